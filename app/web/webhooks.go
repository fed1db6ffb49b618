package web

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"iysgate/app/store"
	"iysgate/app/validate"
	"iysgate/app/webhook"
	"iysgate/policy"
)

// Webhook'lar: a Yönetici registers its brands' endpoints (an Admin any
// brand's), sees each one's delivery log and resends a delivery. Another
// brand's endpoint reads as a missing one.

// maxWebhooksPerBrand bounds the endpoints of a brand: each is a stream of
// requests the appliance makes for every consent change.
const maxWebhooksPerBrand = 10

// errWebhookNotFound answers an endpoint that does not exist or is not the
// user's.
var errWebhookNotFound = &Error{Status: fiber.StatusNotFound, Code: "NOT_FOUND", Message: "Webhook bulunamadı."}

// webhookFor loads an endpoint of a brand the user manages webhooks of.
func (s *Server) webhookFor(c *fiber.Ctx) (*store.Webhook, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, errWebhookNotFound
	}
	w, err := s.deps.Store.Webhook(c.UserContext(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.deps.Policy.Can(currentUser(c).ID, w.BrandID, policy.WebhooksManage)) {
		return nil, errWebhookNotFound
	}
	return w, err
}

// hookScope is the brands whose endpoints the user manages (nil: every
// brand, for the Admin); never nil for a user without one, which would
// read as every brand.
func (s *Server) hookScope(c *fiber.Ctx) []int64 {
	ids, all := s.deps.Policy.BrandsWith(currentUser(c).ID, policy.WebhooksManage)
	if all {
		return nil
	}
	if ids == nil {
		ids = []int64{}
	}
	return ids
}

// hookForm is what the forms and the API send for an endpoint.
type hookForm struct {
	URL         string
	Description string
	Events      []string
	Enabled     bool
	// Secret is a signing secret the user gives on create ("whsec_…");
	// empty: iysgate makes one.
	Secret string
}

// check cleans and checks an endpoint's fields.
func (s *Server) checkHook(f *hookForm) validate.Problems {
	var p validate.Problems
	u, err := s.deps.WebhookAllow.CheckURL(f.URL)
	var ue *webhook.URLError
	switch {
	case errors.As(err, &ue):
		p.Add("url", ue.Code, ue.Message)
	case err != nil:
		p.Add("url", webhook.CodeURLInvalid, err.Error())
	default:
		f.URL = u
	}
	p.Text("description", "Açıklama", &f.Description, validate.MaxTitle, false)
	var events []string
	for _, e := range f.Events {
		if e = strings.TrimSpace(e); e == "" || slices.Contains(events, e) {
			continue
		}
		if !webhook.Known(e) {
			p.Add("events", "EVENT_UNKNOWN", "Bilinmeyen olay türü: "+e+". Geçerli türler: "+hookTypeNames()+".")
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		p.Add("events", validate.CodeRequired, "En az bir olay türü seçin.")
	}
	f.Events = events
	return p
}

func hookTypeNames() string {
	names := make([]string, len(webhook.Types))
	for i, t := range webhook.Types {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

func (f *hookForm) input(brandID int64) store.WebhookInput {
	return store.WebhookInput{BrandID: brandID, URL: f.URL, Description: f.Description, Events: f.Events, Enabled: f.Enabled}
}

// createHook checks and registers an endpoint of brand b; secret is shown
// once.
func (s *Server) createHook(c *fiber.Ctx, b *store.Brand, f *hookForm) (*store.Webhook, string, error) {
	p := s.checkHook(f)
	var key []byte
	if f.Secret = strings.TrimSpace(f.Secret); f.Secret != "" {
		k, err := webhook.ParseSecret(f.Secret)
		if err != nil {
			p.Add("secret", webhook.CodeSecret, webhook.SecretMessage)
		}
		key = k
	}
	if len(p) > 0 {
		return nil, "", p
	}
	existing, _, err := s.deps.Store.Webhooks(c.UserContext(), []int64{b.ID}, 0, maxWebhooksPerBrand+1)
	if err != nil {
		return nil, "", err
	}
	if len(existing) >= maxWebhooksPerBrand {
		return nil, "", validate.Problems{{Field: "brand_id", Code: "TOO_MANY",
			Message: "Bir markanın en çok " + strconv.Itoa(maxWebhooksPerBrand) + " webhook'u olabilir; kullanılmayanı silin."}}
	}
	secret := f.Secret
	if key == nil {
		key, secret = webhook.NewSecret()
	}
	w, err := s.deps.Store.CreateWebhook(c.UserContext(), actor(c), f.input(b.ID), key)
	return w, secret, err
}

// The pages.

func (s *Server) webhooksPage(c *fiber.Ctx) error {
	return s.renderWebhooks(c, fiber.StatusOK, nil, &hookForm{Enabled: true}, 0, nil)
}

func (s *Server) renderWebhooks(c *fiber.Ctx, status int, created *store.Webhook, f *hookForm, brandID int64, errs map[string]string) error {
	scope := s.hookScope(c)
	list, _, err := s.deps.Store.Webhooks(c.UserContext(), scope, 0, 500)
	if err != nil {
		return err
	}
	brands, err := s.deps.Store.ListBrands(c.UserContext(), scope)
	if err != nil {
		return err
	}
	data := map[string]any{"Webhooks": list, "Brands": brands, "Form": f, "BrandID": brandID, "Errors": errs, "Created": created,
		"Secret": c.Locals("webhook_secret")}
	return s.render(c, status, "webhooks", "Webhook'lar", data)
}

func formHook(c *fiber.Ctx) *hookForm {
	f := &hookForm{URL: c.FormValue("url"), Description: c.FormValue("description"), Enabled: c.FormValue("enabled") != "",
		Secret: c.FormValue("secret")}
	for _, v := range c.Request().PostArgs().PeekMulti("events") {
		f.Events = append(f.Events, string(v))
	}
	return f
}

func (s *Server) createWebhook(c *fiber.Ctx) error {
	f := formHook(c)
	brandID, _ := strconv.ParseInt(c.FormValue("brand_id"), 10, 64)
	b, ok, err := s.brandFor(c, brandID, policy.WebhooksManage)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderWebhooks(c, fiber.StatusUnprocessableEntity, nil, f, brandID, map[string]string{"brand_id": "Bir marka seçin."})
	}
	w, secret, err := s.createHook(c, b, f)
	var p validate.Problems
	if errors.As(err, &p) {
		f.Secret = "" // not written back into the page
		return s.renderWebhooks(c, fiber.StatusUnprocessableEntity, nil, f, brandID, p.ByField())
	}
	if err != nil {
		return err
	}
	// The secret is shown in this answer only.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Locals("webhook_secret", secret)
	return s.renderWebhooks(c, fiber.StatusCreated, w, &hookForm{Enabled: true}, 0, nil)
}

func (s *Server) webhookPage(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	return s.renderWebhook(c, fiber.StatusOK, w, &hookForm{URL: w.URL, Description: w.Description, Events: w.Events, Enabled: w.Enabled}, nil)
}

func (s *Server) renderWebhook(c *fiber.Ctx, status int, w *store.Webhook, f *hookForm, errs map[string]string) error {
	hf := store.HookFilter{State: store.HookState(c.Query("state")), Limit: 100}
	if !hf.State.Valid() {
		hf.State = ""
	}
	hf.After, _ = strconv.ParseInt(c.Query("after"), 10, 64)
	deliveries, next, err := s.deps.Store.WebhookDeliveries(c.UserContext(), w.ID, hf)
	if err != nil {
		return err
	}
	for i := range deliveries {
		deliveries[i].MessageID = webhook.MessageID(deliveries[i].ID)
	}
	data := map[string]any{"Webhook": w, "Form": f, "Errors": errs, "Deliveries": deliveries, "Next": next, "State": string(hf.State),
		"States": []store.HookState{store.HookPending, store.HookDelivered, store.HookFailed}}
	return s.render(c, status, "webhook", "Webhook · "+w.BrandName, data)
}

func (s *Server) updateWebhook(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	f := formHook(c)
	if p := s.checkHook(f); len(p) > 0 {
		return s.renderWebhook(c, fiber.StatusUnprocessableEntity, w, f, p.ByField())
	}
	if _, err := s.deps.Store.UpdateWebhook(c.UserContext(), actor(c), w.ID, f.input(w.BrandID)); err != nil {
		return err
	}
	return s.saved(c, "/webhooks/"+itoa(w.ID), "Webhook kaydedildi.")
}

func (s *Server) deleteWebhook(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	if err := s.deps.Store.DeleteWebhook(c.UserContext(), actor(c), w.ID); err != nil {
		return err
	}
	if wantsJSON(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.saved(c, "/webhooks", "Webhook silindi.")
}

func (s *Server) resendWebhook(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	notFound := &Error{Status: fiber.StatusNotFound, Code: "NOT_FOUND", Message: "Teslimat bulunamadı."}
	id, err := strconv.ParseInt(c.Params("delivery"), 10, 64)
	if err != nil {
		return notFound
	}
	if err := s.deps.Store.ResendWebhookDelivery(c.UserContext(), actor(c), w.ID, id); errors.Is(err, store.ErrNotFound) {
		return notFound
	} else if err != nil {
		return err
	}
	if wantsJSON(c) {
		// No body (SendStatus would write "Accepted" as text).
		c.Status(fiber.StatusAccepted)
		return nil
	}
	msg := "Teslimat yeniden sıraya alındı."
	if !w.Enabled {
		msg += " Webhook kapalı: açıldığında gönderilir."
	}
	return s.saved(c, "/webhooks/"+itoa(w.ID), msg)
}

// The API.

// hookJSON is an endpoint as the API writes it; the secret only in the
// answer that created it.
type hookJSON struct {
	*store.Webhook
	Secret string `json:"secret,omitempty"`
}

// apiWebhooks lists the endpoints the user manages (?brand_code= one
// brand's), newest first, in the lists' envelope (pages.go).
func (s *Server) apiWebhooks(c *fiber.Ctx) error {
	scope := s.hookScope(c)
	if bc := c.Query("brand_code"); bc != "" {
		b, err := s.brandByCode(c, bc, policy.WebhooksManage)
		if err != nil {
			return err
		}
		scope = []int64{b.ID}
	}
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	hooks, next, err := s.deps.Store.Webhooks(c.UserContext(), scope, page.After, page.Limit)
	if err != nil {
		return err
	}
	return list(c, "webhooks", hooks, next)
}

// hookBody is the API's body for an endpoint; absent fields of a PATCH
// keep their value.
type hookBody struct {
	BrandCode   string    `json:"brand_code"`
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	Events      *[]string `json:"events"`
	Enabled     *bool     `json:"enabled"`
	Secret      *string   `json:"secret"` // on create only
}

// over writes the body's fields over f.
func (b *hookBody) over(f *hookForm) {
	if b.URL != nil {
		f.URL = *b.URL
	}
	if b.Description != nil {
		f.Description = *b.Description
	}
	if b.Events != nil {
		f.Events = *b.Events
	}
	if b.Enabled != nil {
		f.Enabled = *b.Enabled
	}
}

func (s *Server) apiCreateWebhook(c *fiber.Ctx) error {
	var body hookBody
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	br, err := s.brandByCode(c, body.BrandCode, policy.WebhooksManage)
	if err != nil {
		return err
	}
	f := &hookForm{Enabled: true}
	body.over(f)
	if body.Secret != nil {
		f.Secret = *body.Secret
	}
	w, secret, err := s.createHook(c, br, f)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(hookJSON{Webhook: w, Secret: secret})
}

func (s *Server) apiWebhook(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	return c.JSON(hookJSON{Webhook: w})
}

func (s *Server) apiUpdateWebhook(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	var body hookBody
	if err := parseJSON(c, &body); err != nil {
		return err
	}
	f := &hookForm{URL: w.URL, Description: w.Description, Events: w.Events, Enabled: w.Enabled}
	body.over(f)
	p := s.checkHook(f)
	if body.Secret != nil {
		p.Add("secret", webhook.CodeSecret, "İmza anahtarı sonradan değiştirilemez; yeni anahtarla yeni bir webhook oluşturup bunu silin.")
	}
	if len(p) > 0 {
		return p
	}
	w, err = s.deps.Store.UpdateWebhook(c.UserContext(), actor(c), w.ID, f.input(w.BrandID))
	if err != nil {
		return err
	}
	return c.JSON(hookJSON{Webhook: w})
}

// apiWebhookDeliveries pages an endpoint's delivery log, newest first
// (?state= one state's), in the lists' envelope.
func (s *Server) apiWebhookDeliveries(c *fiber.Ctx) error {
	w, err := s.webhookFor(c)
	if err != nil {
		return err
	}
	f := store.HookFilter{State: store.HookState(c.Query("state"))}
	if f.State != "" && !f.State.Valid() {
		return validate.Problems{{Field: "state", Code: "INVALID", Message: "state pending, delivered ya da failed olabilir."}}
	}
	page, err := pageFrom(c, maxPageLimit)
	if err != nil {
		return err
	}
	f.After, f.Limit = page.After, page.Limit
	deliveries, next, err := s.deps.Store.WebhookDeliveries(c.UserContext(), w.ID, f)
	if err != nil {
		return err
	}
	for i := range deliveries {
		deliveries[i].MessageID = webhook.MessageID(deliveries[i].ID)
	}
	return list(c, "deliveries", deliveries, next)
}
