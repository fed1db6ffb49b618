package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Column mapping of imports (migrations/00015): how each import's header
// row was mapped (import_mappings) and the brands' saved mappings
// (import_profiles). The store keeps header keys and column names as the
// importer gives them; what makes two headers "the same" is
// importer.HeaderKey's to say.

// ActionImportProfile is the audit action of saving a brand's column
// mapping (a profile), new or changed.
const ActionImportProfile = "import_profile"

// ErrNotMappable is returned when an import's columns can no longer be
// mapped: it is being read, was sent, discarded or failed.
var ErrNotMappable = errors.New("import is not waiting for a mapping or in preview")

// ImportProfile is a brand's saved column mapping for one set of headers.
type ImportProfile struct {
	ID        int64  `json:"id"`
	BrandID   int64  `json:"brand_id"`
	BrandName string `json:"brand_name"`
	// HeaderKey is importer.HeaderKey of Header.
	HeaderKey string `json:"-"`
	// Header is the header row the mapping was last saved for, and Columns
	// the template column ("telefon") or "" of each of its cells.
	Header    []string  `json:"header"`
	Columns   []string  `json:"columns"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HeaderMapping is how an import's header row was mapped.
type HeaderMapping struct {
	ImportID int64
	// BrandID is the brand whose profiles apply (chosen at upload, or the
	// uploader's only brand); nil: none, a mapping serves this file only.
	BrandID *int64
	// Header is the header row; Samples the first values of each of its
	// columns (importer.Samples).
	Header  []string
	Samples [][]string
	// Columns is the template column or "" of each header cell as applied;
	// nil while the import waits for a mapping.
	Columns []string
	// Source is where Columns came from; "" while waiting.
	Source MappingSource
	// Problem is why the import waited: the header error, in Turkish.
	Problem string
	// Profile is the profile applied (Source profile) or saved (Source
	// user), if any.
	Profile *ImportProfile
}

// headerHash is the indexed form of a header key.
func headerHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

const profileColumns = `p.id, p.brand_id, b.name, p.header_key, p.header, p.columns, p.created_by, p.created_at, p.updated_by, p.updated_at`

func scanProfile(r pgx.Row) (*ImportProfile, error) {
	var p ImportProfile
	if err := r.Scan(&p.ID, &p.BrandID, &p.BrandName, &p.HeaderKey, &p.Header, &p.Columns, &p.CreatedBy, &p.CreatedAt, &p.UpdatedBy, &p.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	return &p, nil
}

// ImportProfiles lists a brand's saved mappings, the latest first.
func (s *Store) ImportProfiles(ctx context.Context, brandID int64) ([]ImportProfile, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+profileColumns+` FROM import_profiles p JOIN brands b ON b.id = p.brand_id
		WHERE p.brand_id = $1 ORDER BY p.updated_at DESC, p.id DESC`, brandID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ImportProfile, error) {
		p, err := scanProfile(r)
		if err != nil {
			return ImportProfile{}, err
		}
		return *p, nil
	})
}

// ImportHeaderMapping returns how an import's header was mapped;
// ErrNotFound before the parse job has read the header.
func (s *Store) ImportHeaderMapping(ctx context.Context, importID int64) (*HeaderMapping, error) {
	var m HeaderMapping
	var source *string
	var profileID *int64
	err := s.pool.QueryRow(ctx, `SELECT import_id, brand_id, header, samples, columns, source, problem, profile_id
		FROM import_mappings WHERE import_id = $1`, importID).
		Scan(&m.ImportID, &m.BrandID, &m.Header, &m.Samples, &m.Columns, &source, &m.Problem, &profileID)
	if err != nil {
		return nil, mapErr(err)
	}
	if source != nil {
		m.Source = MappingSource(*source)
	}
	if profileID != nil {
		m.Profile, err = scanProfile(s.pool.QueryRow(ctx, `SELECT `+profileColumns+`
			FROM import_profiles p JOIN brands b ON b.id = p.brand_id WHERE p.id = $1`, *profileID))
		if errors.Is(err, ErrNotFound) {
			err = nil // deleted meanwhile
		}
	}
	return &m, err
}

// AwaitImportMapping stops the parse of an import whose header did not
// map: the import waits in ImportMapping with its header row, the first
// values of its columns and the reason. It reports false when the import
// was no longer being parsed (discarded meanwhile).
func (s *Store) AwaitImportMapping(ctx context.Context, importID int64, brandID *int64, header []string, samples [][]string, problem string) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE imports SET status = $2, rows_done = 0, rows_total = 0, updated_at = now()
			WHERE id = $1 AND status = $3`, importID, ImportMapping, ImportParsing)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		done = true
		_, err = tx.Exec(ctx, `INSERT INTO import_mappings (import_id, brand_id, header, samples, problem)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (import_id) DO UPDATE SET brand_id = $2, header = $3, samples = $4, problem = $5,
				columns = NULL, source = NULL, profile_id = NULL, updated_at = now()`,
			importID, brandID, jsonArray(header), nonNilSamples(samples), problem)
		return err
	})
	return done, err
}

// RecordImportMapping records how the parse job mapped an import's header
// by itself (MappingAuto, or MappingProfile with the profile's id), with
// the first values of its columns for a later change of the mapping.
func (s *Store) RecordImportMapping(ctx context.Context, importID int64, brandID *int64, header []string, samples [][]string,
	columns []string, source MappingSource, profileID *int64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO import_mappings (import_id, brand_id, header, samples, columns, source, profile_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (import_id) DO UPDATE SET brand_id = $2, header = $3, samples = $4, columns = $5, source = $6,
			profile_id = $7, problem = '', updated_at = now()`,
		importID, brandID, jsonArray(header), nonNilSamples(samples), jsonArray(columns), string(source), profileID)
	return err
}

// MappingChange is a user's mapping of an import's columns.
type MappingChange struct {
	ImportID int64
	// Columns is the template column or "" of each cell of the import's
	// header (HeaderMapping.Header), checked by the caller.
	Columns []string
	// SaveFor is the brand to save the mapping for as a profile, under
	// HeaderKey (importer.HeaderKey of the header); nil: the mapping serves
	// this import only.
	SaveFor   *int64
	HeaderKey string
}

// SetImportMapping applies a user's mapping to an import waiting for one
// or in preview, in one transaction: the mapping is recorded (and saved as
// the brand's profile, audited when it is new or changed), what an earlier
// parse staged goes, the import is queued to be read again (enqueue
// inserts its parse job), and the change is audited. An import in any
// other status gives ErrNotMappable and nothing changes.
func (s *Store) SetImportMapping(ctx context.Context, a Actor, ch MappingChange, enqueue func(tx pgx.Tx, id int64) error) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var status ImportStatus
		if err := tx.QueryRow(ctx, "SELECT status FROM imports WHERE id = $1 FOR UPDATE", ch.ImportID).Scan(&status); err != nil {
			return mapErr(err)
		}
		if !status.Mappable() {
			return ErrNotMappable
		}
		var header []string
		if err := tx.QueryRow(ctx, "SELECT header FROM import_mappings WHERE import_id = $1 FOR UPDATE", ch.ImportID).Scan(&header); err != nil {
			return mapErr(err)
		}
		var profileID *int64
		if ch.SaveFor != nil {
			id, err := saveProfile(ctx, tx, a, *ch.SaveFor, ch.HeaderKey, header, ch.Columns)
			if err != nil {
				return err
			}
			profileID = &id
		}
		if _, err := tx.Exec(ctx, `UPDATE import_mappings SET columns = $2, source = $3, profile_id = $4, updated_at = now()
			WHERE import_id = $1`, ch.ImportID, jsonArray(ch.Columns), MappingUser, profileID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE imports SET status = $2, rows_done = 0, rows_total = 0, summary = NULL,
			error_code = NULL, error_message = NULL, updated_at = now() WHERE id = $1`, ch.ImportID, ImportUploaded); err != nil {
			return err
		}
		if err := deleteStaging(ctx, tx, ch.ImportID); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, ActionImport, "import", strconv.FormatInt(ch.ImportID, 10), nil,
			map[string]any{"event": "mapping", "header": header, "columns": ch.Columns, "profile_id": profileID}); err != nil {
			return err
		}
		return enqueue(tx, ch.ImportID)
	})
}

// saveProfile creates or updates the brand's profile for a header key and
// audits it when something changed; it returns the profile's id.
func saveProfile(ctx context.Context, tx pgx.Tx, a Actor, brandID int64, key string, header, columns []string) (int64, error) {
	type saved struct {
		BrandID int64    `json:"brand_id"`
		Header  []string `json:"header"`
		Columns []string `json:"columns"`
	}
	after := saved{brandID, header, columns}
	var id int64
	var before saved
	err := tx.QueryRow(ctx, `SELECT id, header, columns FROM import_profiles WHERE brand_id = $1 AND header_hash = $2 FOR UPDATE`,
		brandID, headerHash(key)).Scan(&id, &before.Header, &before.Columns)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if err := tx.QueryRow(ctx, `INSERT INTO import_profiles (brand_id, header_hash, header_key, header, columns, created_by, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, brandID, headerHash(key), key, jsonArray(header), jsonArray(columns), a.Label).Scan(&id); err != nil {
			return 0, err
		}
		return id, audit(ctx, tx, a, ActionImportProfile, "import_profile", strconv.FormatInt(id, 10), nil, after)
	case err != nil:
		return 0, err
	}
	before.BrandID = brandID
	if slices.Equal(before.Header, header) && slices.Equal(before.Columns, columns) {
		return id, nil // the same mapping again
	}
	if _, err := tx.Exec(ctx, `UPDATE import_profiles SET header = $2, columns = $3, updated_by = $4, updated_at = now() WHERE id = $1`,
		id, jsonArray(header), jsonArray(columns), a.Label); err != nil {
		return 0, err
	}
	return id, audit(ctx, tx, a, ActionImportProfile, "import_profile", strconv.FormatInt(id, 10), before, after)
}

// jsonArray encodes a list as a JSON array, [] for nil.
func jsonArray(v []string) []byte {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return b
}

func nonNilSamples(s [][]string) [][]string {
	if s == nil {
		return [][]string{}
	}
	return s
}
