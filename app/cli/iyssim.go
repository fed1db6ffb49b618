package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"iysgate/app/iys/iysapi"
	"iysgate/app/iys/iystest"
)

// iysSim runs the İYS simulator standalone: İYS's paths, JSON, rules,
// limits and codes as İYS's document describes them, a setting for each
// thing the document leaves open, and fault injection for tests and
// rehearsals.
func iysSim(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("iys-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "dinleme adresi")
	var cfg iystest.Config
	fs.Float64Var(&cfg.Faults.FailRate, "fail-rate", 0, "işlenmeden hata alan çağrıların oranı (0-1): 429, 500, 503 ve kopan bağlantı")
	fs.DurationVar(&cfg.Faults.Latency, "latency", 0, "her çağrıya eklenen gecikme")
	fs.Float64Var(&cfg.Faults.LoseAnswers, "lose-answers", 0, "işlenip yanıtı kaybolan ekleme çağrılarının oranı (0-1)")
	limits := fs.String("rate-limits", "on", "İYS'nin yayımlanmış sınırları (saniyede 10 istek; saatlik jeton, tekil durum, geçmiş): on ya da off")
	fs.DurationVar(&cfg.Hour, "hour", iysapi.Hour, "saatlik sınırların penceresi (denemeler için kısaltılabilir)")
	fs.IntVar(&cfg.TokensPerHour, "tokens-per-hour", iysapi.TokensPerHourMethod, "saatte jeton isteği (İYS belgesi 10 ve 100 der)")
	fs.IntVar(&cfg.MaxRecipients, "max-recipients", iysapi.MaxRecipientsH127, "çoklu durum sorgusunda en çok alıcı (İYS belgesi 100 ve 1000 der)")
	fs.BoolVar(&cfg.RefuseOnayOverOnay, "refuse-onay-over-onay", false, "ONAY üzerine ONAY'ı H174 ile reddet (İYS 1.1.0'dan beri kabul eder)")
	fs.BoolVar(&cfg.SameDateStored, "same-date-stored", false, "aynı tarihli tekrarı yeniden kaydet (varsayılan: H178)")
	fs.BoolVar(&cfg.V2RecognisesQueued, "v2-recognises-queued", false, "V2, ilk kopyası kuyrukta bekleyen tekrarı tanısın")
	fs.BoolVar(&cfg.FirstRetTacir, "first-ret-tacir", false, "TACIR için ilk kaydın RET olmasına izin ver")
	fs.BoolVar(&cfg.SkipThreeDayCheck, "skip-three-day-check", false, "3 iş günü kuralını (H467) uygulama")
	fs.BoolVar(&cfg.RetryAfter, "retry-after", false, "429 yanıtlarına Retry-After başlığı ekle")
	fs.DurationVar(&cfg.AsyncDelay, "async-delay", 2*time.Second, "toplu listelerin sonuçlanma süresi")
	fs.DurationVar(&cfg.ChangeDelay, "change-delay", iysapi.ChangeDelay, "değişiklik sorgusunun gizlediği son süre (İYS: 1 saat)")
	creds := fs.String("credentials", "", "KULLANICI:PAROLA (boş: her kullanıcı kabul edilir)")
	brands := fs.String("brands", "", "IYSKOD:MARKAKOD,... (boş: her kod kabul edilir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *limits {
	case "on":
		cfg.RateLimits = true
	case "off":
	default:
		return errors.New("--rate-limits on ya da off olmalı")
	}
	if *creds != "" {
		u, p, ok := strings.Cut(*creds, ":")
		if !ok {
			return errors.New("--credentials KULLANICI:PAROLA biçiminde olmalı")
		}
		cfg.Credentials = &[2]string{u, p}
	}
	if *brands != "" {
		cfg.Brands = map[string][]string{}
		for _, pair := range strings.Split(*brands, ",") {
			code, brand, ok := strings.Cut(strings.TrimSpace(pair), ":")
			if !ok {
				return fmt.Errorf("--brands: %q IYSKOD:MARKAKOD biçiminde değil", pair)
			}
			cfg.Brands[code] = append(cfg.Brands[code], brand)
		}
	}
	log := newLogger(stderr, "text")
	log.Info("İYS simülatörü", "addr", *addr, "faults", cfg.Faults, "rate_limits", *limits)
	return iystest.ListenAndServe(ctx, *addr, cfg, log)
}
