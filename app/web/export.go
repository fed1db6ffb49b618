package web

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/importer"
	"iysgate/app/store"
)

// exportPageSize is how many recipients each query of an export fetches.
const exportPageSize = 5000

// exportConsents writes the filtered Onaylar list as xlsx (a streaming
// importer.Workbook) or CSV (UTF-8 with BOM, ";" as Turkish Excel expects),
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
		header = append(header, l+" İzni (İYS'de)", l+" Onay Tarihi", l+" Kaynağı", l+" Bekleyen / İYS Reddi")
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
			rec = append(rec, iysStatusLabel(ch.Status), date, consent.Source(ch.Source).Label(), channelNote(ch))
		}
		return rec
	}
	stamp := time.Now().In(istanbul).Format("20060102-1504")
	// The export runs after the handler returns; it gets its own deadline.
	lines := func(fn func([]string) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		for {
			rows, next, err := s.deps.Store.ListRecipients(ctx, f)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := fn(record(r)); err != nil {
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
			if err := writeExportCSV(w, header, lines); err != nil {
				s.deps.Log.Error("csv export failed", "err", err)
			}
		})
		return nil
	}

	wb, err := exportWorkbook(header, lines)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="onaylar-%s.xlsx"`, stamp))
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer wb.Close()
		if err := wb.Write(w); err != nil {
			s.deps.Log.Error("xlsx export failed", "err", err)
		}
	})
	return nil
}

// exportLines calls fn with each line of an export, in order, and returns
// the first error.
type exportLines func(fn func([]string) error) error

// writeExportCSV writes an export as CSV for Turkish Excel: UTF-8 with a
// BOM, ";" between the cells, each cell through the formula guard.
func writeExportCSV(w io.Writer, header []string, lines exportLines) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(header); err != nil {
		return err
	}
	err := lines(func(rec []string) error {
		for i, v := range rec {
			rec[i] = importer.NeutraliseFormula(v)
		}
		return cw.Write(rec)
	})
	cw.Flush()
	return cmp.Or(err, cw.Error())
}

// exportWorkbook writes an export's lines to the "Onaylar" sheet of a
// workbook, whose rows wait in a temporary file until it is written.
func exportWorkbook(header []string, lines exportLines) (*importer.Workbook, error) {
	wb := importer.NewWorkbook()
	columns := make([]importer.SheetColumn, len(header))
	for i, h := range header {
		columns[i] = importer.SheetColumn{Title: h}
	}
	sheet, err := wb.AddSheet("Onaylar", columns)
	if err == nil {
		cells := make([]any, 0, len(header))
		err = lines(func(rec []string) error {
			cells = cells[:0]
			for _, v := range rec {
				cells = append(cells, v)
			}
			return sheet.Write(cells...)
		})
	}
	if err != nil {
		wb.Close()
		return nil, err
	}
	return wb, nil
}
