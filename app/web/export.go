package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"iysgate/app/consent"
	"iysgate/app/store"
)

// exportPageSize is how many recipients each query of an export fetches.
const exportPageSize = 5000

// exportConsents writes the filtered Onaylar list as xlsx (excelize's
// streaming writer) or CSV (UTF-8 with BOM, ";" as Turkish Excel expects),
// reading it page by page so that memory does not grow with the list.
func (s *Server) exportConsents(c *fiber.Ctx) error {
	f, _, err := s.consentFilter(c)
	if err != nil {
		return err
	}
	f.Limit, f.After = exportPageSize, 0
	types := []string{"ARAMA", "MESAJ"}
	if f.Kind == "email" {
		types = []string{"EPOSTA"}
	}
	header := []string{"Marka", "Marka Kodu", "Alıcı", "Alıcı Tipi", "Ad", "Soyad"}
	for _, t := range types {
		l := consent.Type(t).Label()
		header = append(header, l+" İzni", l+" Onay Tarihi", l+" Kaynağı", l+" İYS Durumu")
	}
	record := func(r store.RecipientRow) []string {
		rec := []string{r.BrandName, r.BrandCode, r.Recipient, consent.RecipientType(r.RecipientType).Label(), r.FirstName, r.LastName}
		for _, t := range types {
			ch := r.Channel(t)
			if ch == nil {
				rec = append(rec, "", "", "", "")
				continue
			}
			date := ""
			if ch.ConsentDate != nil {
				date = ch.ConsentDate.In(istanbul).Format("02.01.2006 15:04:05")
			}
			rec = append(rec, consent.Status(ch.Status).Label(), date, consent.Source(ch.Source).Label(), labelOr(syncLabels, ch.SyncState))
		}
		for i := range rec {
			rec[i] = neutralise(rec[i])
		}
		return rec
	}
	stamp := time.Now().In(istanbul).Format("20060102-1504")
	// The export runs after the handler returns; it gets its own deadline.
	each := func(fn func(store.RecipientRow) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		for {
			rows, next, err := s.deps.Store.ListRecipients(ctx, f)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := fn(r); err != nil {
					return err
				}
			}
			if next == 0 {
				return nil
			}
			f.After = next
		}
	}

	if c.Query("format") == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="onaylar-%s.csv"`, stamp))
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			w.WriteString("\ufeff")
			cw := csv.NewWriter(w)
			cw.Comma = ';'
			cw.Write(header)
			err := each(func(r store.RecipientRow) error { return cw.Write(record(r)) })
			cw.Flush()
			if err != nil {
				s.deps.Log.Error("csv export failed", "err", err)
			}
		})
		return nil
	}

	x := excelize.NewFile()
	sheet := "Onaylar"
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	row := 1
	write := func(vals []string) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			cells[i] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, cells)
	}
	if err := write(header); err != nil {
		return err
	}
	if err := each(func(r store.RecipientRow) error { return write(record(r)) }); err != nil {
		x.Close()
		return err
	}
	if err := sw.Flush(); err != nil {
		x.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="onaylar-%s.xlsx"`, stamp))
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer x.Close()
		if err := x.Write(w); err != nil {
			s.deps.Log.Error("xlsx export failed", "err", err)
		}
	})
	return nil
}

// phoneLike is a plain phone number, which a spreadsheet reads as a number,
// never as a formula.
var phoneLike = regexp.MustCompile(`^\+[0-9]{6,15}$`)

// neutralise keeps a cell from being read as a formula (CSV/formula
// injection): a value starting with = + - @ (or a tab or CR) gets a leading
// apostrophe. Phone numbers in E.164 are left alone.
func neutralise(v string) string {
	if v == "" || phoneLike.MatchString(v) {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}
