// Package static holds the embedded browser assets: htmx and Redoc
// (vendored, see README for the versions), the page scripts and the style
// sheet.
package static

import "embed"

// FS holds htmx.min.js, app.js, app.css, the API page's api.js and
// redoc/ (Redoc's standalone bundle with its licences).
//
//go:embed htmx.min.js app.js app.css api.js redoc
var FS embed.FS
