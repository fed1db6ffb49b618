package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"iysgate/app/iys/iystest"
)

// iysSim runs the İYS simulator standalone: the same paths and JSON as İYS,
// its rules and limits, and fault injection for tests and rehearsals.
func iysSim(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("iys-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "dinleme adresi")
	failRate := fs.Float64("fail-rate", 0, "hata oranı (0-1): 429, 500, 503 ve kopan bağlantı")
	latency := fs.Duration("latency", 0, "her çağrıya eklenen gecikme")
	lose := fs.Float64("lose-answers", 0, "işlenip yanıtı kaybolan ekleme çağrılarının oranı (0-1)")
	limits := fs.String("rate-limits", "on", "İYS'nin istek sınırları: on ya da off")
	window := fs.Duration("rate-window", time.Minute, "sınırların penceresi (İYS: 1 dakika)")
	asyncDelay := fs.Duration("async-delay", 2*time.Second, "toplu isteklerin sonuçlanma süresi")
	changeDelay := fs.Duration("change-delay", time.Hour, "değişiklik akışının gizlediği son süre (İYS: 1 saat)")
	creds := fs.String("credentials", "", "KULLANICI:PAROLA (boş: her kullanıcı kabul edilir)")
	brands := fs.String("brands", "", "IYSKOD:MARKAKOD,... (boş: her kod kabul edilir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := iystest.Config{FailRate: *failRate, Latency: *latency, LoseAnswers: *lose, RateWindow: *window,
		AsyncDelay: *asyncDelay, ChangeDelay: *changeDelay}
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
	log.Info("İYS simülatörü", "addr", *addr, "fail_rate", *failRate, "lose_answers", *lose, "rate_limits", *limits)
	return iystest.ListenAndServe(ctx, *addr, cfg, log)
}
