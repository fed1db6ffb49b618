package jobs

import (
	"cmp"
	"errors"
	"io"
	"testing"

	"iysgate/app/importer"
)

// fakeReader yields n rows numbered from 2, then err (io.EOF when nil).
type fakeReader struct {
	n, next int
	err     error
}

func (r *fakeReader) Header() importer.Header { return importer.Header{} }
func (r *fakeReader) Close() error            { return nil }

func (r *fakeReader) Progress() (int64, int64) { return int64(r.next), int64(r.n) }

func (r *fakeReader) Next() (importer.Row, error) {
	if r.next == r.n {
		return importer.Row{}, cmp.Or(r.err, io.EOF)
	}
	r.next++
	return importer.Row{Number: r.next + 1}, nil
}

// Rows come in chunks of the size asked, the last one shorter, each with
// the reader's progress when it was full.
func TestReadChunks(t *testing.T) {
	t.Parallel()
	var got []rowChunk
	emit := func(c rowChunk) error { got = append(got, c); return nil }
	if err := readChunks(&fakeReader{n: 7}, 3)(emit); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(got[0].rows) != 3 || len(got[2].rows) != 1 || got[2].rows[0].Number != 8 {
		t.Fatalf("chunks: %+v", got)
	}
	if got[0].read != 3 || got[1].read != 6 || got[2].read != 7 || got[2].total != 7 {
		t.Errorf("progress: %d %d %d of %d", got[0].read, got[1].read, got[2].read, got[2].total)
	}

	// No rows, no chunk.
	got = nil
	if err := readChunks(&fakeReader{}, 3)(emit); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %+v", err, got)
	}

	// A reader error is returned as it is; the rows before it are not sent.
	broken := &importer.Error{Code: "XLSX_CORRUPT", Message: "Dosya bozuk."}
	got = nil
	if err := readChunks(&fakeReader{n: 4, err: broken}, 3)(emit); err != broken || len(got) != 1 {
		t.Errorf("reader error: %v, %d chunks", err, len(got))
	}

	// An error of emit (the pipeline stopped) ends the reading.
	stop := errors.New("stopped")
	r := &fakeReader{n: 100}
	if err := readChunks(r, 3)(func(rowChunk) error { return stop }); err != stop || r.next != 3 {
		t.Errorf("stopped: %v after %d rows", err, r.next)
	}
}
