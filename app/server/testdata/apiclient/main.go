// Command apiclient is a small program on the API client that oapi-codegen
// generates from /api/v1/openapi-3.0.json (package iysgate, written next to
// it by TestOpenAPIGeneratedClient): it lists the imports, uploads a
// workbook, waits for its preview, approves it and waits for its approval
// job, finds the import in the list and reads the recipient's consent. Each step prints one line; any
// answer it does not expect, or cannot decode into the generated types,
// ends it with a non-zero status.
//
// Usage: apiclient URL TOKEN BRAND_CODE WORKBOOK RECIPIENT
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"iysgateclient/iysgate"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) != 6 {
		log.Fatal("usage: apiclient URL TOKEN BRAND_CODE WORKBOOK RECIPIENT")
	}
	base, token, brandCode, path, recipient := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5]
	ctx := context.Background()
	api, err := iysgate.NewClientWithResponses(base, iysgate.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}

	list, err := api.ListImportsWithResponse(ctx, &iysgate.ListImportsParams{})
	if err != nil || list.JSON200 == nil {
		log.Fatalf("list imports: %v %s", err, body(list))
	}
	fmt.Printf("imports before: %d\n", len(list.JSON200.Imports))

	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("brand_code", brandCode)
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	fw.Write(data)
	mw.Close()
	up, err := api.UploadImportWithBodyWithResponse(ctx, mw.FormDataContentType(), &form)
	if err != nil || up.JSON202 == nil {
		log.Fatalf("upload: %v %s", err, body(up))
	}
	id := up.JSON202.Id
	fmt.Printf("uploaded: %d %s\n", id, up.JSON202.Status)

	var imp *iysgate.Import
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		got, err := api.GetImportWithResponse(ctx, id)
		if err != nil || got.JSON200 == nil {
			log.Fatalf("get import: %v %s", err, body(got))
		}
		imp = got.JSON200
		if imp.Status == iysgate.ImportStatusPreview {
			break
		}
		if imp.Status == iysgate.ImportStatusFailed || time.Now().After(deadline) {
			log.Fatalf("import %d: %s %+v", id, imp.Status, imp.Error)
		}
	}
	fmt.Printf("preview: %d rows\n", imp.Progress.RowsDone)

	// Approval is a job: the answer is the import in approving, and the
	// import leaves it approved (then sending, done), or back in preview
	// with the job's refusal.
	ok, err := api.ApproveImportWithResponse(ctx, id, iysgate.ApproveImportJSONRequestBody{Mode: iysgate.ApproveImportJSONBodyModeAll, Confirmed: true})
	if err != nil || ok.JSON202 == nil {
		log.Fatalf("approve: %v %s", err, body(ok))
	}
	fmt.Printf("approve: %s\n", ok.JSON202.Status)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		got, err := api.GetImportWithResponse(ctx, id)
		if err != nil || got.JSON200 == nil {
			log.Fatalf("get import: %v %s", err, body(got))
		}
		imp = got.JSON200
		if imp.Status != iysgate.ImportStatusApproving {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("import %d still approving: %d of %d", id, imp.Approval.ItemsDone, imp.Approval.ItemsTotal)
		}
	}
	switch imp.Status {
	case iysgate.ImportStatusApproved, iysgate.ImportStatusSending, iysgate.ImportStatusDone:
	default:
		log.Fatalf("import %d after approving: %s %+v", id, imp.Status, imp.Error)
	}
	fmt.Printf("approved: %d of %d consents written\n", imp.Approval.ItemsDone, imp.Approval.ItemsTotal)

	list, err = api.ListImportsWithResponse(ctx, &iysgate.ListImportsParams{})
	if err != nil || list.JSON200 == nil {
		log.Fatalf("list imports: %v %s", err, body(list))
	}
	for _, i := range list.JSON200.Imports {
		fmt.Printf("import: %d %s %s\n", i.Id, i.Filename, i.Status)
	}

	// A consent's status is what İYS holds: "" until İYS accepted the
	// change on its way (pending). Wait for İYS's answer.
	var consents *iysgate.ListConsentsResponse
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		consents, err = api.ListConsentsWithResponse(ctx, &iysgate.ListConsentsParams{Q: &recipient, BrandCode: &brandCode})
		if err != nil || consents.JSON200 == nil {
			log.Fatalf("consents: %v %s", err, body(consents))
		}
		held := len(consents.JSON200.Consents) > 0
		for _, r := range consents.JSON200.Consents {
			for _, c := range []*iysgate.ChannelConsent{r.Arama, r.Mesaj, r.Eposta} {
				if c != nil && (c.Status == "" || c.Pending != nil) {
					held = false
				}
			}
		}
		if held {
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("İYS did not hold the consents in time: %s", body(consents))
		}
	}
	for _, r := range consents.JSON200.Consents {
		for _, ch := range []struct {
			name string
			c    *iysgate.ChannelConsent
		}{{"ARAMA", r.Arama}, {"MESAJ", r.Mesaj}, {"EPOSTA", r.Eposta}} {
			if ch.c != nil {
				fmt.Printf("consent: %s %s %s %s\n", r.Recipient, ch.name, ch.c.Status, ch.c.Source)
			}
		}
	}
}

// body is an answer's body, for messages.
func body(r interface{ StatusCode() int }) string {
	switch r := r.(type) {
	case *iysgate.ListImportsResponse:
		if r != nil {
			return fmt.Sprintf("%d %s", r.StatusCode(), r.Body)
		}
	case *iysgate.UploadImportResponse:
		if r != nil {
			return fmt.Sprintf("%d %s", r.StatusCode(), r.Body)
		}
	case *iysgate.GetImportResponse:
		if r != nil {
			return fmt.Sprintf("%d %s", r.StatusCode(), r.Body)
		}
	case *iysgate.ApproveImportResponse:
		if r != nil {
			return fmt.Sprintf("%d %s", r.StatusCode(), r.Body)
		}
	case *iysgate.ListConsentsResponse:
		if r != nil {
			return fmt.Sprintf("%d %s", r.StatusCode(), r.Body)
		}
	}
	return ""
}
