// Package webhook is what iysgate needs to call a client's system when
// something happens: the event types and their payload envelope, Standard
// Webhooks signing (https://www.standardwebhooks.com), and the HTTP sender
// with its guard against requests to the appliance's own network (a URL is
// a request the appliance makes on a tenant's behalf). It knows nothing of
// the database: the outbox and its triggers are in migrations/00019 and
// app/store/webhooks.go, the delivery job in jobs/webhooks.go. Payloads are
// documented in docs/webhooks.md.
package webhook

import (
	"encoding/json"
	"slices"
	"time"
)

// The event types, as the payload's "type" and the endpoint's list name
// them. The SQL triggers that record them use the same strings.
const (
	ConsentChanged  = "consent.changed"  // a consent movement was recorded
	ConsentRefused  = "consent.refused"  // İYS refused a movement
	ImportPreviewed = "import.previewed" // an import waits in preview
	ImportFinished  = "import.finished"  // an import ended: delivered, or unreadable
	QuotaLow        = "quota.low"        // a company's units fell under 10%
)

// EventType is an event type with what the pages say of it.
type EventType struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// Types lists every event type in the order the pages show them.
var Types = []EventType{
	{ConsentChanged, "İzin değişikliği kaydedildi (elle, içe aktarımla ya da İYS'den)"},
	{ConsentRefused, "İYS bir izin hareketini reddetti"},
	{ImportPreviewed, "İçe aktarım ön izlemeye hazır"},
	{ImportFinished, "İçe aktarım bitti (İYS'ye iletildi ya da okunamadı)"},
	{QuotaLow, "Kalan kota %10'un altına düştü"},
}

// Known reports whether name is an event type.
func Known(name string) bool {
	return slices.ContainsFunc(Types, func(t EventType) bool { return t.Name == name })
}

// Label is the Turkish description of an event type.
func Label(name string) string {
	for _, t := range Types {
		if t.Name == name {
			return t.Label
		}
	}
	return name
}

// Payload is the body of every webhook request: the event's type, when it
// happened, and its data (per type, see docs/webhooks.md).
type Payload struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// MessageID is the webhook-id of a delivery: the same for every attempt
// and for "Yeniden gönder", so that a receiver can drop repeats.
func MessageID(deliveryID int64) string {
	return "msg_" + itoa(deliveryID)
}
