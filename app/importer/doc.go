// Package importer reads the workbooks customers upload: Excel (.xlsx)
// files and CSV text, row by row, with memory that does not grow with the
// number of rows. It is the pure reading part of the import pipeline
// (DESIGN.md §6): no database, no HTTP, no jobs.
//
// [Open] sniffs the content (a zip is an .xlsx workbook, anything else is
// read as CSV; old .xls files are refused with a message that says how to
// save them as .xlsx), finds the header row and maps its cells to the
// template's [Column]s ([MapHeader]: tolerant of case, Turkish letters,
// separators and common synonyms), and returns a [Reader] whose
// [Reader.Next] yields one [Row] at a time: its row number in the file, its
// cells as text (for the error workbook) and a [consent.RowInput] ready for
// [consent.ValidateRow].
//
// The .xlsx reader does not use excelize: it streams the worksheet XML out
// of the zip with a small purpose-built XML scanner, which is more than ten
// times faster than excelize's row iterator and allocates little. Every
// size it reads is bounded by [Limits], so a zip bomb or a malformed file
// ends in a typed [*Error] with a Turkish message, never in a panic or an
// out-of-memory kill.
//
// [OpenWith] opens an import with a header mapper of the caller's (a
// brand's saved column mapping, see mapping.go) and can keep a header that
// does not map (Header.Problem) so that a user maps its columns; the
// mapping's pure part ([HeaderKey], [Guess], [CheckAssignment], [Assign],
// [Realign], [Samples]) lives here too.
//
// Writing uses excelize: [WriteTemplate] writes the downloadable template
// and [WriteErrorWorkbook] the workbook of rejected rows with their
// problems.
//
// Everything a user reads (error messages, template texts, column titles)
// is Turkish; identifiers and comments are English.
package importer
