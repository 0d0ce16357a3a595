package grpc

import (
	"context"
	"errors"
	"log/slog"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

// internalMessage is all a caller learns of a failure that is not its fault; the cause goes to the log.
const internalMessage = "ERROR_UNKNOWN: Unknown error. (message = internal error; the plugin's log has the cause)"

// ToStatus is the only place a domain error becomes a status, and the only code that knows Cloudforet's spelling:
// details "ERROR_CODE: message" naming the first violation, plus every violation as a google.rpc.BadRequest.
func ToStatus(log *slog.Logger, err error) error {
	var (
		oe *option.Error
		ip *sourcekit.InvalidPayloadError
		up *pipeline.UnsupportedPayloadError
	)
	var (
		ce *application.ConfirmError
		le *sourcekit.LimitError
	)
	if _, isStatus := status.FromError(err); isStatus && err != nil {
		return err // already a status: admission's refusal
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "ERROR_TIMEOUT: The call ran past its deadline (the caller's, or the plugin's call_timeout) and was stopped.")
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "ERROR_CANCELED: The call was canceled.")
	case errors.As(err, &le):
		return status.Error(codes.InvalidArgument, "ERROR_LIMIT_EXCEEDED: "+le.Error())
	case errors.As(err, &ce):
		return status.Error(codes.FailedPrecondition, "ERROR_SUBSCRIPTION_NOT_CONFIRMED: "+clipN(ce.Error(), 8*clipBytes))
	case errors.As(err, &ip):
		return status.Error(codes.InvalidArgument, "ERROR_INVALID_PAYLOAD: "+clipN(ip.Error(), 8*clipBytes))
	case errors.As(err, &up):
		return status.Error(codes.InvalidArgument, "ERROR_UNSUPPORTED_PAYLOAD: "+up.Error())
	}
	if !errors.As(err, &oe) || len(oe.Violations) == 0 {
		log.Error("unexpected failure", "err", clipN(err.Error(), 8*clipBytes))
		return status.Error(codes.Internal, internalMessage)
	}
	// The status travels in the call's trailers, which clients cap (Cloudforet's at 8 KiB): a few violations, each
	// short, so the caller always reads INVALID_ARGUMENT, never the INTERNAL an oversized trailer becomes.
	shown := oe.Violations[:min(len(oe.Violations), maxViolations)]
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, 0, len(shown))}
	for _, v := range shown {
		code, text := spell(v)
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: clip(v.Key), Description: text, Reason: code})
	}
	code, text := spell(oe.Violations[0])
	st, derr := status.New(codes.InvalidArgument, code+": "+text).WithDetails(br)
	if derr != nil { // only a detail that cannot be marshalled fails, and BadRequest always can
		return status.Error(codes.InvalidArgument, code+": "+text)
	}
	return st.Err()
}

// maxViolations is how many violations a BadRequest lists; the details name the first.
const maxViolations = 10

// clipBytes is the most of any one key, value, host or region an error or a log line echoes.
const clipBytes = 128

// clip cuts s to clipBytes on a rune boundary, marking the cut with an ellipsis, so no error or log line echoes a
// long value back.
func clip(s string) string { return clipN(s, clipBytes) }

func clipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// spell writes v as Cloudforet's Python services write the same error: its code and its message, the key and
// reason clipped.
func spell(v option.Violation) (code, text string) {
	v.Key, v.Reason = clip(v.Key), clipN(v.Reason, 4*clipBytes)
	switch v.Kind {
	case option.Required:
		return "ERROR_REQUIRED_PARAMETER", "Required parameter. (key = " + v.Key + ")"
	case option.NotSupported:
		return "ERROR_NOT_SUPPORTED_OPTION", "Not supported option. (key = " + v.Key + ")"
	case option.InvalidType:
		return "ERROR_INVALID_PARAMETER_TYPE", "Parameter type is invalid. (key = " + v.Key + ", type = " + string(v.Want) + ")"
	default:
		return "ERROR_INVALID_PARAMETER", "Parameter is invalid. (key = " + v.Key + ", reason = " + v.Reason + ")"
	}
}
