package consent

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	long64 := strings.Repeat("a", 64)
	tests := []struct {
		in      string
		want    string
		changed bool
		code    string
	}{
		{"ali@example.com", "ali@example.com", false, ""},
		{"Ali.Veli@Example.COM", "ali.veli@example.com", true, ""},
		{" ALI.VELI@gmail.com ", "ali.veli@gmail.com", true, ""},
		{"Ali.Veli@GMAIL.COM", "ali.veli@gmail.com", true, ""},
		{"a@b.co", "a@b.co", false, ""},
		{"  ali@example.com ", "ali@example.com", true, ""},
		{"ali@example.com\u00a0", "ali@example.com", true, ""},
		{"ali+tag@sub.example.com.tr", "ali+tag@sub.example.com.tr", false, ""},
		{"o'brien_x-y@my-host.co", "o'brien_x-y@my-host.co", false, ""},
		{"ALI@EXAMPLE.COM", "ali@example.com", true, ""},
		{"a@b.co", "a@b.co", false, ""},
		{long64 + "@example.com", long64 + "@example.com", false, ""},
		{"", "", false, CodeRecipientMissing},
		{" ", "", false, CodeRecipientMissing},
		{"ali", "", false, CodeEmailInvalid},
		{"ali@", "", false, CodeEmailInvalid},
		{"@example.com", "", false, CodeEmailInvalid},
		{"ali@@example.com", "", false, CodeEmailInvalid},
		{"ali@veli@example.com", "", false, CodeEmailInvalid},
		{"ali@example", "", false, CodeEmailInvalid},
		{"ali veli@example.com", "", false, CodeEmailInvalid},
		{"ali@exa mple.com", "", false, CodeEmailInvalid},
		{"ali..veli@example.com", "", false, CodeEmailInvalid},
		{".ali@example.com", "", false, CodeEmailInvalid},
		{"ali.@example.com", "", false, CodeEmailInvalid},
		{"ali@-example.com", "", false, CodeEmailInvalid},
		{"ali@example-.com", "", false, CodeEmailInvalid},
		{"ali@example..com", "", false, CodeEmailInvalid},
		{"ali@.example.com", "", false, CodeEmailInvalid},
		{"ali@example.com.", "", false, CodeEmailInvalid},
		{"ali@example.c", "", false, CodeEmailInvalid},
		{"ali@1.2.3.4", "", false, CodeEmailInvalid},
		{"ali@ex_ample.com", "", false, CodeEmailInvalid},
		{"çağrı@example.com", "", false, CodeEmailInvalid},
		{"ali@örnek.com", "", false, CodeEmailInvalid},
		{"\"ali\"@example.com", "", false, CodeEmailInvalid},
		{"ali,veli@example.com", "", false, CodeEmailInvalid},
		{"<ali@example.com>", "", false, CodeEmailInvalid},
		{long64 + "a@example.com", "", false, CodeEmailInvalid},
		{"a@" + strings.Repeat("b", 64) + ".com", "", false, CodeEmailInvalid},
		{"a@" + strings.Repeat("abcdefghi.", 27) + "com", "", false, CodeEmailInvalid},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("abcdefghi.", 20) + "com", "", false, CodeEmailInvalid}, // 268 characters
	}
	for _, tt := range tests {
		got, changed, p := NormalizeEmail(tt.in)
		code := ""
		if p != nil {
			code = p.Code
			if !p.IsError() || p.Field != FieldRecipient {
				t.Errorf("NormalizeEmail(%q) problem %+v", tt.in, p)
			}
		}
		if got != tt.want || changed != tt.changed || code != tt.code {
			t.Errorf("NormalizeEmail(%q) = %q, %v, %q; want %q, %v, %q", tt.in, got, changed, code, tt.want, tt.changed, tt.code)
		}
	}
}
