// Package static holds the embedded browser assets: htmx (vendored, see
// README for the version) and the style sheet.
package static

import "embed"

// FS holds htmx.min.js and app.css.
//
//go:embed htmx.min.js app.css
var FS embed.FS
