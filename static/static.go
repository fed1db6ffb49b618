// Package static holds the embedded browser assets: htmx (vendored, see
// README for the version), the page script and the style sheet.
package static

import "embed"

// FS holds htmx.min.js, app.js and app.css.
//
//go:embed htmx.min.js app.js app.css
var FS embed.FS
