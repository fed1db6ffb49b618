package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"iysgate/app/store/storetest"
)

// An appliance in use, seen by each role in chromium: the layout at the
// common screen widths, then Raporlar.
func TestBrowserShowcase(t *testing.T) {
	e := newEnv(t)
	sc := seedShowcase(t, e)
	ctx := browser(t)
	password := func(role string) string {
		if role == "admin" {
			return adminPassword
		}
		return storetest.Password(sc.users[role].Email)
	}

	// At 1280, 1366, 1440 and 1920 px the top bar holds every entry of the
	// role and Çıkış on one line, the Ayarlar menu opens inside the
	// screen, and no page scrolls sideways.
	t.Run("Layout", func(t *testing.T) {
		do, _ := steps(t, ctx)
		for _, role := range []string{"admin", "yonetici", "personel", "musteri"} {
			signIn(t, ctx, e, sc.users[role].Email, password(role))
			for _, width := range []int64{1280, 1366, 1440, 1920} {
				for _, path := range []string{"/", "/consents", "/reports"} {
					do(chromedp.EmulateViewport(width, 900), chromedp.Navigate(e.base+path), chromedp.WaitVisible("#logout"))
					checkFits(t, ctx, role+" "+path+" at "+strconv.FormatInt(width, 10))
				}
				do(chromedp.Click("#settings-menu summary"), chromedp.WaitVisible("#settings-menu .menu-items a"))
				checkFits(t, ctx, role+" with Ayarlar open at "+strconv.FormatInt(width, 10))
			}
			do(chromedp.Click("#logout"), chromedp.WaitVisible("#login-submit"))
		}
	})

	// A Müşteri sees its brands' imports (not another company's), opens
	// one with its summary and rows, cannot send or upload, and reads
	// Hata Bildirimleri with İYS's refusals of its brands.
	t.Run("MüşteriImports", func(t *testing.T) {
		do, text := steps(t, ctx)
		signIn(t, ctx, e, sc.users["musteri"].Email, password("musteri"))
		do(chromedp.EmulateViewport(1366, 900), chromedp.Click(`header.top nav a[href="/imports"]`), chromedp.WaitVisible("#imports"))
		list := text("#imports")
		if !strings.Contains(list, "liste-600101.xlsx") || strings.Contains(list, "liste-600201.xlsx") {
			t.Fatalf("the Müşteri's imports: %q", list)
		}
		if none, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#upload-form") === null`)); err != nil || !none {
			t.Errorf("a Müşteri is offered the upload (%v)", err)
		}
		do(chromedp.Click(`#imports a[href^="/imports/"]`), chromedp.WaitVisible("#import-summary"), chromedp.WaitVisible("#import-rows"))
		if none, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#send-all") === null && document.querySelector("#discard") === null`)); err != nil || !none {
			t.Errorf("a Müşteri is offered send or discard (%v)", err)
		}
		do(chromedp.Navigate(e.base+"/imports/errors"), chromedp.WaitVisible("#iys-refusals"))
		if refusals := text("#iys-refusals"); !strings.Contains(refusals, "H178") || strings.Contains(refusals, "Ege Moda") {
			t.Errorf("Hata Bildirimleri of the Müşteri's brands: %q", refusals)
		}
		do(chromedp.Click("#logout"), chromedp.WaitVisible("#login-submit")) // signed out for the next step
	})

	// A Müşteri reads its brands' figures as charts and tables, narrows
	// them to one brand, and finds each section's workbook and Yardım.
	t.Run("Raporlar", func(t *testing.T) {
		do, text := steps(t, ctx)
		signIn(t, ctx, e, sc.users["musteri"].Email, password("musteri"))
		do(chromedp.EmulateViewport(1366, 900), chromedp.Click(`header.top nav a[href="/reports"]`), chromedp.WaitVisible("#report-eklenen-chart svg"))
		for _, chart := range []string{"#report-eklenen-chart", "#report-ret-chart", "#report-gunluk-chart"} {
			bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+chart+` svg rect:not([width='10'])").length`))
			if err != nil || bars == 0 {
				t.Errorf("%s draws %d bars (%v)", chart, bars, err)
			}
		}
		if title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#report-eklenen-chart svg > title").textContent`)); title != "Kanallara göre eklenen izinler" {
			t.Errorf("the chart's title: %q %v", title, err)
		}
		added := text("#report-eklenen table")
		if !strings.Contains(added, "Anadolu Market") || !strings.Contains(added, "Anadolu Kafe") || strings.Contains(added, "Ege Moda") {
			t.Fatalf("Eklenen izinler of the Müşteri's brands: %q", added)
		}
		if codes := text("#report-reddedilen .barlist"); !strings.Contains(codes, "H178") || !strings.Contains(codes, "daha yeni tarihli") {
			t.Errorf("İYS's refusals: %q", codes)
		}
		kafe := itoa(sc.brands[1].ID)
		do(chromedp.SetValue("#report-brand", kafe), chromedp.Click("#report-submit"),
			chromedp.WaitVisible(`#export-kota[href*="brand_id=`+kafe+`"]`))
		if added := text("#report-eklenen table"); strings.Contains(added, "Anadolu Market") || !strings.Contains(added, "Anadolu Kafe") {
			t.Errorf("Eklenen izinler of Anadolu Kafe: %q", added)
		}
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#export-kota").getAttribute("href")`))
		if err != nil || !strings.HasPrefix(href, "/reports/export?section=kota&") {
			t.Errorf("the workbook of Harcanan kota: %q %v", href, err)
		}
		checkFits(t, ctx, "Raporlar")
		do(chromedp.Click("#help-link"), chromedp.WaitVisible("#durumlar"))
		if steps := text("#kayit"); !strings.Contains(steps, "isortagim@iys.org.tr") {
			t.Errorf("Yardım's onboarding steps: %q", steps)
		}
	})
}

// layoutBoxes are the measures checkFits takes.
type layoutBoxes struct {
	Scroll, Inner float64    // the page's width and the window's
	Bar, Logout   [4]float64 // left, top, right, bottom
	MenuRight     float64    // the open Ayarlar menu's right edge, 0 when closed
}

// checkFits fails the test when the page scrolls sideways, the top bar
// takes more than one line, or Çıkış or the open menu is outside it.
func checkFits(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	m, err := chromedp.Run(ctx, chromedp.Evaluate[layoutBoxes](`(() => {
		const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
		const menu = document.querySelector("#settings-menu[open] .menu-items");
		return {Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth,
			Bar: box(document.querySelector("header.top")), Logout: box(document.querySelector("#logout")),
			MenuRight: menu ? menu.getBoundingClientRect().right : 0};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Scroll > m.Inner {
		t.Errorf("%s: the page is %v px wide in a %v px window", what, m.Scroll, m.Inner)
	}
	if h := m.Bar[3] - m.Bar[1]; h > 64 {
		t.Errorf("%s: the top bar takes %v px, more than one line", what, h)
	}
	if m.Logout[0] < m.Bar[0] || m.Logout[1] < m.Bar[1] || m.Logout[2] > min(m.Bar[2], m.Inner) || m.Logout[3] > m.Bar[3] {
		t.Errorf("%s: Çıkış at %v is outside the top bar %v", what, m.Logout, m.Bar)
	}
	if m.MenuRight > m.Inner {
		t.Errorf("%s: the Ayarlar menu ends at %v px, outside the %v px window", what, m.MenuRight, m.Inner)
	}
}
