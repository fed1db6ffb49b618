package jobs

import (
	"context"
	"errors"
	"io"
	"strings"

	"iysgate/app/importer"
	"iysgate/app/store"
)

// mappingPlan decides how the parse job maps an import's header row, in
// this order: the user's mapping of this import, if one was made; a
// profile of the brand saved for the same headers; the headers' own names.
// A header that none of these maps stops the import in ImportMapping
// (see await) instead of failing it.
type mappingPlan struct {
	rules importer.HeaderRules
	// fill is the code of the brand chosen at upload, written into rows
	// whose marka_kodu is missing or empty; a row's own code wins.
	fill string
	// brandID is the brand whose profiles apply: the brand chosen at
	// upload, or the uploader's only brand; nil when there is none.
	brandID  *int64
	decided  *store.HeaderMapping // a user's mapping (Source user)
	profiles []store.ImportProfile

	// What mapped the header row, once one did.
	source  store.MappingSource
	profile *store.ImportProfile
	columns []importer.Column
}

// newMappingPlan gathers what the mapping of an import's header needs.
func newMappingPlan(ctx context.Context, d Deps, im *store.Import) (*mappingPlan, error) {
	p := &mappingPlan{}
	if im.BrandID != nil {
		b, err := d.Store.Brand(ctx, *im.BrandID)
		if err != nil {
			return nil, err
		}
		p.brandID = &b.ID
		p.fill = b.BrandCode
		p.rules.BrandGiven = b.BrandCode != ""
	} else {
		codes, err := d.BrandCodes(ctx, im.UserID)
		if err != nil {
			return nil, err
		}
		if len(codes) == 1 {
			b, err := d.Store.BrandByCode(ctx, codes[0])
			if err != nil {
				return nil, err
			}
			p.brandID = &b.ID
		}
	}
	m, err := d.Store.ImportHeaderMapping(ctx, im.ID)
	switch {
	case err == nil && m.Source == store.MappingUser:
		p.decided = m
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if p.brandID != nil && p.decided == nil {
		if p.profiles, err = d.Store.ImportProfiles(ctx, *p.brandID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// columnsOf reads stored column names; an unknown one is ignored.
func columnsOf(names []string) []importer.Column {
	cols := make([]importer.Column, len(names))
	for i, n := range names {
		cols[i], _ = importer.ColumnByName(n)
	}
	return cols
}

// namesOf is the stored form of columns: the template names, "" for
// ignored cells.
func namesOf(cols []importer.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
	}
	return names
}

// errNotDecidedHeader is the header error of a row that is not the header
// a user mapped (rows above it: titles).
var errNotDecidedHeader = &importer.Error{Code: importer.CodeHeaderMissing, Message: "Bu satır, sütunları eşleştirilen başlık satırı değil."}

// mapHeader is the importer's header mapper (importer.Options.MapHeader).
func (p *mappingPlan) mapHeader(cells []string) (importer.Mapping, error) {
	if p.decided != nil {
		cols, ok := importer.Realign(p.decided.Header, columnsOf(p.decided.Columns), cells)
		if !ok {
			return importer.Mapping{}, errNotDecidedHeader
		}
		m, err := importer.Assign(cells, cols, p.rules)
		if err == nil {
			p.source, p.columns = store.MappingUser, cols
		}
		return m, err
	}
	key := importer.HeaderKey(cells)
	for i := range p.profiles {
		pr := &p.profiles[i]
		if pr.HeaderKey != key {
			continue
		}
		cols, _ := importer.Realign(pr.Header, columnsOf(pr.Columns), cells)
		// A profile saved for uploads with a chosen brand may lack
		// marka_kodu; without one it does not fit, and the user is asked.
		if m, err := importer.Assign(cells, cols, p.rules); err == nil {
			p.source, p.profile, p.columns = store.MappingProfile, pr, cols
			return m, nil
		}
	}
	m, err := importer.MapHeaderWith(cells, p.rules)
	if err == nil {
		p.source, p.profile, p.columns = store.MappingAuto, nil, m.Columns()
	}
	return m, err
}

// open opens an import's file with the plan's mapper, keeping a header
// that does not map (Header.Problem) for the mapping form.
func (p *mappingPlan) open(f io.ReaderAt, im *store.Import) (*plannedReader, error) {
	r, err := importer.OpenWith(f, im.SizeBytes, im.Filename, importer.Options{MapHeader: p.mapHeader, KeepUnmapped: true})
	if err != nil {
		return nil, err
	}
	return &plannedReader{Reader: r, fill: p.fill, samples: importer.NewSamples(len(r.Header().Cells)), sampling: true}, nil
}

// await stops the import at ImportMapping: the header row, its columns'
// first values and the reason are stored for the mapping form. A file
// without data rows fails as an empty one does; a reader error is returned
// (an *importer.Error ends the import with it).
func (p *mappingPlan) await(ctx context.Context, d Deps, id int64, r *plannedReader) error {
	rows := 0
	for r.sampling {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rows++
	}
	if rows == 0 {
		return d.Store.FailImport(ctx, id, codeEmpty, msgEmpty)
	}
	h := r.Header()
	ok, err := d.Store.AwaitImportMapping(ctx, id, p.brandID, h.Cells, r.samples.Values(), h.Problem.Message)
	if err == nil && ok {
		d.Log.Info("import waits for a column mapping", "import_id", id, "problem", h.Problem.Code)
	}
	return err
}

// record stores how the header was mapped when the plan mapped it by
// itself (a user's mapping is stored already), with the first values of
// its columns, for the preview and a later change of the mapping.
func (p *mappingPlan) record(ctx context.Context, st *store.Store, id int64, r *plannedReader) error {
	if p.source == store.MappingUser {
		return nil
	}
	var profileID *int64
	if p.profile != nil {
		profileID = &p.profile.ID
	}
	return st.RecordImportMapping(ctx, id, p.brandID, r.Header().Cells, r.samples.Values(), namesOf(p.columns), p.source, profileID)
}

// plannedReader is the reader of an import's rows: it fills the brand
// chosen at upload into rows without one, and collects the first values of
// the columns as they pass.
type plannedReader struct {
	importer.Reader
	fill     string
	samples  *importer.Samples
	sampling bool
}

// Next implements importer.Reader.
func (r *plannedReader) Next() (importer.Row, error) {
	row, err := r.Reader.Next()
	if err != nil {
		return row, err
	}
	if r.fill != "" && strings.TrimSpace(row.Input.BrandCode) == "" {
		row.Input.BrandCode = r.fill
	}
	if r.sampling {
		r.sampling = r.samples.Add(row.Cells)
	}
	return row, nil
}
