package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/consent"
	"iysgate/app/validate"
)

// Uploads are read as they stream in, never through fasthttp's multipart
// parser (which would spool a body of any size to disk before a handler
// runs): the text fields, then one file copied to a temporary file that may
// not grow past the upload limit. The fields before the file (the form's
// CSRF token among them) are read first on their own, so that a request is
// refused before its file is read.

const (
	uploadKey       = "upload"
	maxUploadFields = 32
	maxFieldBytes   = 8 << 10
)

// upload is a multipart request body being read.
type upload struct {
	mr      *multipart.Reader
	fields  map[string]string
	parts   int             // text parts read
	pending *multipart.Part // the file part, once the fields before it are read
	done    bool            // the whole body has been read

	// The file, after readFile.
	file     *os.File
	filename string
	size     int64
}

// errUploadTooLarge is returned when a file is larger than the limit.
var errUploadTooLarge = errors.New("upload too large")

// uploadOf returns the request's upload with the fields before the file
// read. It is the same value for the whole request.
func (s *Server) uploadOf(c *fiber.Ctx) (*upload, error) {
	if u, ok := c.Locals(uploadKey).(*upload); ok {
		return u, nil
	}
	_, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || params["boundary"] == "" || !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		return nil, &Error{Status: fiber.StatusUnprocessableEntity, Code: "NOT_MULTIPART",
			Message: "Dosya multipart/form-data biçiminde gönderilmeli (alan adı: file)."}
	}
	body := c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	u := &upload{mr: multipart.NewReader(body, params["boundary"]), fields: map[string]string{}}
	if err := u.readFields(); err != nil {
		return nil, err
	}
	c.Locals(uploadKey, u)
	return u, nil
}

// readFields reads text fields up to the next file part (or the end).
func (u *upload) readFields() error {
	for !u.done && u.pending == nil {
		p, err := u.mr.NextPart()
		if errors.Is(err, io.EOF) {
			u.done = true
			return nil
		}
		if err != nil {
			return badUpload(err)
		}
		if p.FileName() != "" || p.FormName() == "file" {
			u.pending = p
			return nil
		}
		if u.parts++; u.parts > maxUploadFields {
			return badUpload(errors.New("too many fields"))
		}
		v, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
		if err != nil {
			return badUpload(err)
		}
		if len(v) > maxFieldBytes {
			return &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "FIELD_TOO_LARGE",
				Message: fmt.Sprintf("%q alanı çok uzun.", p.FormName())}
		}
		u.fields[p.FormName()] = string(v)
	}
	return nil
}

// field returns a text field sent before or after the file (after only
// once readFile has run).
func (u *upload) field(name string) string { return u.fields[name] }

// readFile copies the file part named "file" to a temporary file of at
// most limit bytes, then reads the fields after it. It reports false when
// the request has no file. A larger file is refused with errUploadTooLarge
// as soon as the limit is passed; nothing of it is kept.
func (u *upload) readFile(dir string, limit int64) (bool, error) {
	if u.file != nil {
		return true, nil
	}
	p := u.pending
	if p == nil || p.FormName() != "file" {
		return false, nil
	}
	u.pending = nil
	f, err := os.CreateTemp(dir, "iysgate-upload-*")
	if err != nil {
		return false, err
	}
	// The name is the browser's to give: its folders go, and characters
	// that do not belong in a name shown on pages and in the audit log.
	name, _ := consent.RepairText(filepath.Base(strings.ReplaceAll(p.FileName(), `\`, "/")), validate.MaxFile)
	if name == "" || name == "." || name == "/" {
		name = "dosya"
	}
	u.file, u.filename = f, name
	n, err := io.Copy(f, io.LimitReader(p, limit+1))
	if err != nil {
		return false, badUpload(err)
	}
	if n > limit {
		return false, errUploadTooLarge
	}
	u.size = n
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	if err := u.readFields(); err != nil {
		return false, err
	}
	if u.pending != nil {
		return false, &Error{Status: fiber.StatusUnprocessableEntity, Code: "ONE_FILE", Message: "Tek seferde bir dosya yükleyin."}
	}
	return true, nil
}

// close removes the temporary file.
func (u *upload) close() {
	if u.file != nil {
		u.file.Close()
		os.Remove(u.file.Name())
	}
}

// badUpload is the refusal of a body that is not a well-formed multipart
// form (cut off, or written wrong); the cause is for the log, not the page.
func badUpload(cause error) error {
	return &Error{Status: fiber.StatusBadRequest, Code: "BAD_UPLOAD", cause: cause,
		Message: "Yükleme yarıda kaldı ya da bozuk geldi; dosyayı yeniden yükleyin."}
}

// tooLarge is the refusal of a body or file over the upload limit.
func (s *Server) tooLarge() *Error {
	return &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "FILE_TOO_LARGE",
		Message: fmt.Sprintf("Dosya çok büyük: en çok %d MB yüklenebilir. Listeyi bölerek yükleyin.", s.deps.Config.MaxUploadBytes>>20)}
}

// maxSpooling bounds the uploads a node spools at once, and with the
// upload limit the disk they take.
const maxSpooling = 4

// receiveFile reads the request's file (see readFile) within the upload
// limit; the caller closes the upload. ok is false when no file was sent.
func (s *Server) receiveFile(c *fiber.Ctx) (u *upload, ok bool, err error) {
	u, err = s.uploadOf(c)
	if err != nil {
		return nil, false, err
	}
	// A busy node makes the next upload wait its turn (its body waits in
	// the network), for a while.
	wait := time.NewTimer(2 * time.Minute)
	defer wait.Stop()
	select {
	case s.spooling <- struct{}{}:
		defer func() { <-s.spooling }()
	case <-wait.C:
		return u, false, &Error{Status: fiber.StatusServiceUnavailable, Code: "BUSY",
			Message: "Şu anda çok sayıda dosya yükleniyor; birkaç dakika sonra yeniden deneyin."}
	}
	ok, err = u.readFile(s.deps.Config.UploadSpoolDir, int64(s.deps.Config.MaxUploadBytes))
	if errors.Is(err, errUploadTooLarge) {
		// The rest of the body is not read: the connection must close.
		c.Context().SetConnectionClose()
		return u, false, s.tooLarge()
	}
	return u, ok, err
}
