package web

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"iysgate/app/importer"
	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/jobs"
	"iysgate/policy"
)

// Column mapping of imports: an import whose header did not map waits
// for a user to say which column feeds which field ("Yok say" for none);
// the answer continues the pipeline from the stored file and is saved as
// the brand's profile for the same headers (importer.HeaderKey). An import
// in preview may be mapped again the same way.

// mapNeed is what setting an import's mapping needs: the upload permission
// in every brand of the import (the file is read again for all of them).
var mapNeed = importNeed{policy.ImportsUpload, true}

// errNotMappable refuses a mapping of an import that is being read, was
// sent, discarded or failed.
var errNotMappable = &Error{Status: fiber.StatusConflict, Code: "NOT_MAPPABLE",
	Message: "Bu listenin sütunları şu anda eşleştirilemez: liste okunuyor, gönderildi, silindi ya da okunamadı. Sütunlar yalnızca eşleştirme beklenirken ya da ön izlemede değiştirilebilir."}

// mappingFormKey holds a refused mapping form for the page that shows it
// again (renderImport → mappingView).
const mappingFormKey = "mapping-form"

// mappingColumn is one column of the file on the mapping form.
type mappingColumn struct {
	Index   int      `json:"index"`
	Letter  string   `json:"letter"`
	Header  string   `json:"header"`
	Samples []string `json:"samples"`
	Guess   string   `json:"guess"` // the field its header names, "" for none
	Field   string   `json:"field"` // the field assigned (applied, or as submitted), "" for none
	Error   string   `json:"-"`     // a problem of a refused form concerning this column
}

// mappingField is a field a column may be assigned to.
type mappingField struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
}

// appliedColumn is a column as it was read, for the preview's note.
type appliedColumn struct{ Header, Label string }

// mappingView is what the import page and the API show of an import's
// column mapping.
type mappingView struct {
	Needed   bool                // the import waits for a mapping
	Editable bool                // the user may map the columns now
	Open     bool                // show the form open (a refused change)
	Source   store.MappingSource // how the header was mapped ("" while waiting)
	Problem  string              // why the mapping is asked
	Columns  []mappingColumn
	Fields   []mappingField
	Errors   []string             // the problems of a refused form
	Profile  *store.ImportProfile // the profile applied or saved
	SaveFor  string               // the brand a submitted mapping is saved for ("": this file only)
	Applied  []appliedColumn
	// UploadBrand is the brand chosen at upload ("Yüklenecek Marka").
	UploadBrand *store.Brand
}

// mappingForm is a submitted mapping: a field name ("" for none) per
// header cell, and its problems when refused.
type mappingForm struct {
	fields   map[int]string
	problems validate.Problems
}

// mappingView builds the view of an import's mapping; nil before the
// parse job has read the header.
func (s *Server) mappingView(c *fiber.Ctx, im *store.Import, brands []store.Brand) (*mappingView, error) {
	ctx := c.UserContext()
	v := &mappingView{}
	if im.BrandID != nil {
		b, err := s.deps.Store.Brand(ctx, *im.BrandID)
		if err != nil {
			return nil, err
		}
		v.UploadBrand = b
	}
	m, err := s.deps.Store.ImportHeaderMapping(ctx, im.ID)
	if errors.Is(err, store.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	rules := importer.HeaderRules{BrandGiven: im.BrandID != nil}
	v.Needed = im.Status == store.ImportMapping
	v.Editable = im.Status.Mappable() && s.may(c, im, brands, mapNeed)
	v.Source, v.Problem, v.Profile = m.Source, importer.ShortText(m.Problem, 1000), m.Profile
	if m.BrandID != nil && s.deps.Policy.Can(currentUser(c).ID, *m.BrandID, policy.ImportsUpload) {
		b, err := s.deps.Store.Brand(ctx, *m.BrandID)
		if err != nil {
			return nil, err
		}
		v.SaveFor = b.Name
	}
	for _, col := range importer.Columns() {
		v.Fields = append(v.Fields, mappingField{Name: col.Name(), Label: col.Label(), Required: col.Required(rules)})
	}
	form, _ := c.Locals(mappingFormKey).(*mappingForm)
	guess, skip := importer.Guess(m.Header), importer.SkippedCells(m.Header)
	for i, h := range m.Header {
		if skip[i] {
			continue
		}
		col := mappingColumn{Index: i, Letter: importer.Letter(i), Header: importer.ShortText(h, importer.HeaderLength), Guess: guess[i].Name(), Samples: []string{}}
		if i < len(m.Samples) {
			col.Samples = m.Samples[i]
		}
		switch {
		case form != nil:
			col.Field = form.fields[i]
		case m.Columns != nil && i < len(m.Columns):
			col.Field = m.Columns[i]
		case m.Columns == nil:
			col.Field = col.Guess // the form starts from the guess
		}
		if m.Columns != nil && i < len(m.Columns) && m.Columns[i] != "" {
			if fc, ok := importer.ColumnByName(m.Columns[i]); ok {
				v.Applied = append(v.Applied, appliedColumn{Header: col.Header, Label: fc.Label()})
			}
		}
		v.Columns = append(v.Columns, col)
	}
	if form != nil {
		v.Open = true
		for _, p := range form.problems {
			if n, ok := strings.CutPrefix(p.Field, "col_"); ok {
				if i, err := strconv.Atoi(n); err == nil {
					for k := range v.Columns {
						if v.Columns[k].Index == i && v.Columns[k].Error == "" {
							v.Columns[k].Error = p.Message
						}
					}
				}
			}
			if !slices.Contains(v.Errors, p.Message) {
				v.Errors = append(v.Errors, p.Message)
			}
		}
	}
	return v, nil
}

// addMappingJSON adds an import's mapping and upload brand to its API view.
func (s *Server) addMappingJSON(c *fiber.Ctx, im *store.Import, brands []store.Brand, out fiber.Map) error {
	v, err := s.mappingView(c, im, brands)
	if err != nil {
		return err
	}
	if b := v.UploadBrand; b != nil {
		out["upload_brand"] = fiber.Map{"id": b.ID, "name": b.Name, "brand_code": b.BrandCode, "company": b.CompanyTitle}
	}
	if v.Columns == nil {
		return nil // the header is not read yet
	}
	var profile any
	if p := v.Profile; p != nil {
		profile = fiber.Map{"id": p.ID, "brand_id": p.BrandID, "brand_name": p.BrandName, "updated_by": p.UpdatedBy, "updated_at": p.UpdatedAt}
	}
	out["mapping"] = fiber.Map{"needed": v.Needed, "editable": v.Editable, "source": v.Source, "problem": v.Problem,
		"columns": v.Columns, "fields": v.Fields, "profile": profile, "saved_for": v.SaveFor}
	return nil
}

// apiSetMapping is POST /api/v1/imports/:id/mapping with
// {"columns": [{"index": 0, "field": "telefon"}, …]}: a field (a template
// column name, "" to ignore) per column of the file, by its 0-based index;
// columns left out are ignored.
func (s *Server) apiSetMapping(c *fiber.Ctx) error {
	var body struct {
		Columns []struct {
			Index int    `json:"index"`
			Field string `json:"field"`
		} `json:"columns"`
	}
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	fields := map[int]string{}
	var p validate.Problems
	for _, col := range body.Columns {
		if _, dup := fields[col.Index]; dup {
			p.Add("columns", "MAPPING_COLUMN_TWICE", "columns listesinde "+strconv.Itoa(col.Index)+" numaralı sütun birden çok kez var.")
		}
		fields[col.Index] = col.Field
	}
	if len(p) > 0 {
		return p
	}
	im, err := s.setMapping(c, fields)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(importJSON(im))
}

// mappingPage is POST /imports/:id/mapping, the form's fields col_<index>.
// A refused mapping shows the page again with the problems in place.
func (s *Server) mappingPage(c *fiber.Ctx) error {
	fields := map[int]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if n, ok := strings.CutPrefix(string(k), "col_"); ok {
			if i, err := strconv.Atoi(n); err == nil {
				fields[i] = string(v)
			}
		}
	})
	im, err := s.setMapping(c, fields)
	var problems validate.Problems
	if errors.As(err, &problems) {
		im, brands, ferr := s.importFor(c, importRead)
		if ferr != nil {
			return ferr
		}
		c.Locals(mappingFormKey, &mappingForm{fields: fields, problems: problems})
		return s.renderImport(c, fiber.StatusUnprocessableEntity, im, brands, "")
	}
	if err != nil {
		return err
	}
	return s.saved(c, "/imports/"+itoa(im.ID), "Sütun eşleştirmesi kaydedildi; liste yeniden okunuyor.")
}

// setMapping checks a mapping of the import of :id (fields: a field name
// or "" per header cell; cells left out are ignored) and applies it: the
// import is read again by a parse job enqueued in the same transaction,
// and the mapping is saved as a profile of the import's brand when there
// is one the user may upload for. A wrong mapping is refused with
// validate.Problems (fields col_<index>, or the name of a required field
// left unassigned) and changes nothing.
func (s *Server) setMapping(c *fiber.Ctx, fields map[int]string) (*store.Import, error) {
	im, brands, err := s.importFor(c, importRead)
	if err != nil {
		return nil, err
	}
	if !s.may(c, im, brands, mapNeed) {
		return nil, &Error{Status: fiber.StatusForbidden, Code: "BRAND_FORBIDDEN",
			Message: "Bu listenin sütunlarını eşleştirme yetkiniz yok: listenin markalarının hepsinde liste yükleme yetkisi gerekir."}
	}
	if !im.Status.Mappable() {
		return nil, errNotMappable
	}
	ctx := c.UserContext()
	m, err := s.deps.Store.ImportHeaderMapping(ctx, im.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotMappable
	}
	if err != nil {
		return nil, err
	}
	cols, p := assignment(m.Header, fields, importer.HeaderRules{BrandGiven: im.BrandID != nil})
	if len(p) > 0 {
		return nil, p
	}
	ch := store.MappingChange{ImportID: im.ID, Columns: make([]string, len(cols)), HeaderKey: importer.HeaderKey(m.Header)}
	for i, col := range cols {
		ch.Columns[i] = col.Name()
	}
	if m.BrandID != nil && s.deps.Policy.Can(currentUser(c).ID, *m.BrandID, policy.ImportsUpload) {
		ch.SaveFor = m.BrandID
	}
	err = s.deps.Store.SetImportMapping(ctx, actor(c), ch, func(tx pgx.Tx, id int64) error {
		_, err := s.deps.River.InsertTx(ctx, tx, jobs.ParseImportArgs{ImportID: id}, nil)
		return err
	})
	if errors.Is(err, store.ErrNotMappable) {
		return nil, errNotMappable
	}
	if err != nil {
		return nil, err
	}
	return s.deps.Store.Import(ctx, im.ID)
}

// assignment reads submitted fields against a header: a known field name
// or "" for each cell, checked by importer.CheckAssignment. Its problems
// name the cells as col_<index> and a required field left unassigned by
// its name.
func assignment(header []string, fields map[int]string, rules importer.HeaderRules) ([]importer.Column, validate.Problems) {
	var p validate.Problems
	cols := make([]importer.Column, len(header))
	for i := range cols {
		cols[i] = importer.Ignore
	}
	for _, i := range slices.Sorted(maps.Keys(fields)) {
		name := strings.TrimSpace(fields[i])
		field := "col_" + strconv.Itoa(i)
		if i < 0 || i >= len(header) {
			p.Add(field, "MAPPING_COLUMN_UNKNOWN", "Dosyada "+strconv.Itoa(i)+" numaralı sütun yok; sütunlar 0'dan "+strconv.Itoa(len(header)-1)+"'e kadar numaralanır.")
			continue
		}
		if name == "" {
			continue
		}
		col, ok := importer.ColumnByName(name)
		if !ok {
			p.Add(field, "MAPPING_FIELD_UNKNOWN", "«"+name+"» bilinen bir alan değil. Alanlar: "+strings.Join(importer.TemplateHeader(), ", ")+"; yok saymak için boş bırakın.")
			continue
		}
		cols[i] = col
	}
	if len(p) > 0 {
		return nil, p
	}
	for _, ap := range importer.CheckAssignment(header, cols, rules) {
		if ap.Code == importer.CodeMappingRequired {
			p.Add(ap.Column.Name(), ap.Code, ap.Message)
			continue
		}
		for _, i := range ap.Cells {
			p = append(p, validate.Problem{Field: "col_" + strconv.Itoa(i), Code: ap.Code, Message: ap.Message})
		}
	}
	return cols, p
}

// uploadBrands are the brands İçe Aktar offers as "Yüklenecek Marka": those
// with a brand code in which the user may upload.
func (s *Server) uploadBrands(c *fiber.Ctx) ([]store.Brand, error) {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.ImportsUpload)
	if all {
		ids = nil
	} else if len(ids) == 0 {
		return nil, nil
	}
	brands, err := s.deps.Store.ListBrands(c.UserContext(), ids)
	return slices.DeleteFunc(brands, func(b store.Brand) bool { return b.BrandCode == "" }), err
}

// headerColumns is the column of each header cell of an import as its
// mapping applied them, for the error workbook; nil when the import has
// none recorded (the header maps by its names).
func (s *Server) headerColumns(c *fiber.Ctx, importID int64) ([]importer.Column, error) {
	m, err := s.deps.Store.ImportHeaderMapping(c.UserContext(), importID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.Columns == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cols := make([]importer.Column, len(m.Columns))
	for i, name := range m.Columns {
		cols[i], _ = importer.ColumnByName(name) // Ignore for ""
	}
	return cols, nil
}
