package consent

import "testing"

func BenchmarkValidate(b *testing.B) {
	in := Input{
		BrandCode: "650123", Recipient: "0532 123 45 67", RecipientType: "Bireysel", Type: "SMS",
		Status: "onay", Source: "HS FİZİKSEL ORTAM", ConsentDate: "11.06.2025 10:00", FirstName: "Ayşe", LastName: "Yılmaz",
	}
	cal := DefaultCalendar()
	b.ReportAllocs()
	for b.Loop() {
		_, ps := Validate(in, testNow, cal)
		if len(ps) != 1 {
			b.Fatal(ps)
		}
	}
}

func BenchmarkValidateRow(b *testing.B) {
	in := RowInput{
		BrandCode: "650123", Phone: "0532 123 45 67", Email: "ali@example.com", RecipientType: "Bireysel",
		CallPermission: "evet", MessagePermission: "hayır", EmailPermission: "ONAY",
		Source: "Web", ConsentDate: "45819.4375", FirstName: "Ali", LastName: "Veli",
	}
	cal := DefaultCalendar()
	b.ReportAllocs()
	for b.Loop() {
		res := ValidateRow(in, testNow, cal)
		if len(res.Items) != 3 {
			b.Fatal(res)
		}
	}
}

func BenchmarkTooOld(b *testing.B) {
	cal := DefaultCalendar()
	c := ist(2025, 6, 4, 10, 0, 0)
	for b.Loop() {
		cal.TooOld(c, testNow)
	}
}
