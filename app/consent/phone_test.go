package consent

import "testing"

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	const m = "+905321234567"
	tests := []struct {
		in        string
		want      string
		corrected bool
		code      string
	}{
		{"+905321234567", m, false, ""},
		{"0532 123 45 67", m, false, ""},
		{"(0532) 123-45-67", m, false, ""},
		{"+90 532 123 45 67", m, false, ""},
		{"+90 (532) 123 45 67", m, false, ""},
		{"905321234567", m, false, ""},
		{"90 532 123 45 67", m, false, ""},
		{"00905321234567", m, false, ""},
		{"0090 532 123 4567", m, false, ""},
		{"5321234567", m, false, ""},
		{"05321234567", m, false, ""},
		{"532.123.45.67", m, false, ""},
		{"0532/123 45 67", m, false, ""},
		{" +905321234567 ", m, false, ""},
		{"05321234567\u00a0", m, false, ""},
		{"'05321234567", m, false, ""},
		{"5321234567.0", m, false, ""},
		{"905321234567.0", m, false, ""},
		{"5.321234567E+9", m, false, ""},
		{"5,321234567E+09", m, false, ""},
		{"9.05321234567E+11", m, false, ""},
		// A zero after the country code is dropped: never +900….
		{"+900532 123 45 67", m, true, ""},
		{"+9005321234567", m, true, ""},
		{"+90 (0532) 123 45 67", m, true, ""},
		{"9005321234567", m, true, ""},
		// Landlines and 850 numbers are Turkish numbers too.
		{"0212 555 12 34", "+902125551234", false, ""},
		{"+903125551234", "+903125551234", false, ""},
		{"0850 123 45 67", "+908501234567", false, ""},
		// Invalid.
		{"", "", false, CodeRecipientMissing},
		{"   ", "", false, CodeRecipientMissing},
		{"12345", "", false, CodePhoneInvalid},
		{"0532 ABC 45 67", "", false, CodePhoneInvalid},
		{"O532 123 45 67", "", false, CodePhoneInvalid},
		{"0532 123 45 6", "", false, CodePhoneInvalid},
		{"0532 123 45 678", "", false, CodePhoneInvalid},
		{"+90532123456", "", false, CodePhoneInvalid},
		{"+9000000000000", "", false, CodePhoneInvalid},
		{"+900", "", false, CodePhoneInvalid},
		{"0000000000", "", false, CodePhoneInvalid},
		{"0800 123 45 67", "", false, CodePhoneInvalid},
		{"0900 123 45 67", "", false, CodePhoneInvalid},
		{"0200 123 45 67", "", false, CodePhoneInvalid},
		{"1532123456", "", false, CodePhoneInvalid},
		{"+05321234567", "", false, CodePhoneInvalid},
		{"+90+5321234567", "", false, CodePhoneInvalid},
		{"0532-123-45-67 dahili 12", "", false, CodePhoneInvalid},
		{"05321234567e", "", false, CodePhoneInvalid},
		{"5.32123E+9", "", false, CodePhoneExcelNotation},
		{"5,32E+09", "", false, CodePhoneExcelNotation},
		{"+44 20 7946 0958", "", false, CodePhoneNotTurkish},
		{"0044 20 7946 0958", "", false, CodePhoneNotTurkish},
		{"+1 212 555 0100", "", false, CodePhoneNotTurkish},
		{"123456789012345678901234567890", "", false, CodePhoneInvalid},
	}
	for _, tt := range tests {
		got, corrected, p := NormalizePhone(tt.in)
		code := ""
		if p != nil {
			code = p.Code
			if !p.IsError() || p.Field != FieldRecipient || p.Message == "" {
				t.Errorf("NormalizePhone(%q) problem %+v", tt.in, p)
			}
		}
		if got != tt.want || corrected != tt.corrected || code != tt.code {
			t.Errorf("NormalizePhone(%q) = %q, %v, %q; want %q, %v, %q", tt.in, got, corrected, code, tt.want, tt.corrected, tt.code)
		}
	}
}

func TestIsMobile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"+905321234567": true, "+902125551234": false, "+908501234567": false, "05321234567": false, "+9053212345678": false,
	} {
		if IsMobile(in) != want {
			t.Errorf("IsMobile(%q) = %v", in, !want)
		}
	}
}
