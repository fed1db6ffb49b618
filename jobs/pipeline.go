package jobs

import (
	"errors"
	"io"

	"iysgate/app/importer"
)

// rowChunk is a chunk of a file's rows on its way through a pipeline.
type rowChunk struct {
	rows []importer.Row
	readProgress
}

// readProgress is how far the reader had come when a chunk was full
// (importer.Reader.Progress): bytes read, of total. The chunk's results
// carry it on, for the writer to report.
type readProgress struct{ read, total int64 }

// readChunks returns the read stage of a pipeline (pipeline.Run) over r:
// its rows in chunks of size. A reader error is returned as it is (an
// *importer.Error).
func readChunks(r importer.Reader, size int) func(emit func(rowChunk) error) error {
	return func(emit func(rowChunk) error) error {
		send := func(rows []importer.Row) error {
			read, total := r.Progress()
			return emit(rowChunk{rows, readProgress{read, total}})
		}
		var rows []importer.Row
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if rows == nil {
				rows = make([]importer.Row, 0, size)
			}
			rows = append(rows, row)
			if len(rows) == size {
				if err := send(rows); err != nil {
					return err
				}
				rows = nil
			}
		}
		if rows == nil {
			return nil
		}
		return send(rows)
	}
}
