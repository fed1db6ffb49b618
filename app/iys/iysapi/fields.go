package iysapi

import "iysgate/app/consent"

// The values of a consent's enumerated fields (TANIMLAR).
var (
	Types          = []string{"ARAMA", "MESAJ", "EPOSTA"}
	Statuses       = []string{"ONAY", "RET"}
	RecipientTypes = []string{"BIREYSEL", "TACIR"}
)

// DefaultRecipientType is the recipientType of a consent that omits it.
const DefaultRecipientType = "BIREYSEL"

// ConsentFields are the fields a consent may carry; any other is refused
// with H118.
var ConsentFields = []string{"recipient", "type", "status", "recipientType", "source", "consentDate", "retailerCode", "retailerAccess"}

// TimeLayout is the layout of every time on the wire, in Turkish time
// (consent.Location).
const TimeLayout = consent.IYSLayout

// The statuses of an item in a list's result.
const (
	ItemSuccess = "success"
	ItemFailure = "failure"
	ItemEnqueue = "enqueue" // not processed yet
)

// The pull's source parameter: movements sent by the provider (HS) or made
// by recipients in İYS (IYS, the default when omitted).
const (
	ChangesHS      = "HS"
	ChangesIYS     = "IYS"
	DefaultChanges = ChangesIYS
)

// The integrator query's per-channel grants.
const (
	AccessRead  = "read"
	AccessWrite = "write"
)
