// Package cloudforet is the one place that knows how Cloudforet spells what monhook answers: a domain error as a
// gRPC status with details "ERROR_CODE: message" (and every violation as a google.rpc.BadRequest), the same on
// every protocol, and events as each plugin protocol's EventsInfo (the monitoring service's, the Alert Manager's).
// The gRPC servers and the CLI both answer through it; logs and metrics read the error code from the status's
// google.rpc.ErrorInfo, never from its text.
package cloudforet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
)

// The error codes monhook answers with: Cloudforet's Python services' codes where one fits, monhook's own where
// none does.
const (
	CodeRequired        = "ERROR_REQUIRED_PARAMETER"
	CodeNotSupported    = "ERROR_NOT_SUPPORTED_OPTION"
	CodeInvalidType     = "ERROR_INVALID_PARAMETER_TYPE"
	CodeInvalid         = "ERROR_INVALID_PARAMETER"
	CodeInvalidPayload  = "ERROR_INVALID_PAYLOAD"
	CodeUnsupported     = "ERROR_UNSUPPORTED_PAYLOAD"
	CodeLimitExceeded   = "ERROR_LIMIT_EXCEEDED"
	CodeNotConfirmed    = "ERROR_SUBSCRIPTION_NOT_CONFIRMED"
	CodeNotVerified     = "ERROR_SIGNATURE_NOT_VERIFIED"
	CodeTopicNotAllowed = "ERROR_TOPIC_NOT_ALLOWED"
	CodeSecretMismatch  = "ERROR_BODY_SECRET_MISMATCH" //nolint:gosec // G101: the name of an error code, not a credential
	CodeTimeout         = "ERROR_TIMEOUT"
	CodeCanceled        = "ERROR_CANCELED"
	CodeExhausted       = "ERROR_RESOURCE_EXHAUSTED"
	CodeUnknown         = "ERROR_UNKNOWN"
	errorInfoDomain     = "monhook"
	internalDescription = "Unknown error. (message = internal error; the plugin's log has the cause)"
)

// Codes lists every ERROR_ code Status can give, so that a metric can show each at zero before it first happens.
func Codes() []string {
	return []string{CodeRequired, CodeNotSupported, CodeInvalidType, CodeInvalid, CodeInvalidPayload, CodeUnsupported,
		CodeLimitExceeded, CodeNotConfirmed, CodeNotVerified, CodeTopicNotAllowed, CodeSecretMismatch, CodeTimeout,
		CodeCanceled, CodeExhausted, CodeUnknown}
}

// maxViolations is how many violations a BadRequest lists; the details name the first.
const maxViolations = 10

// clipBytes is the most of any one key, value, host or region an error or a log line echoes.
const clipBytes = 128

// Status spells err as Cloudforet reads it. A status error (admission's refusal) passes as it is; an error monhook
// does not expect becomes INTERNAL, its cause logged to log and never sent.
func Status(log *slog.Logger, err error) error {
	if _, isStatus := status.FromError(err); isStatus && err != nil {
		return err
	}
	var oe *option.Error
	if errors.As(err, &oe) && len(oe.Violations) > 0 {
		return violations(oe.Violations)
	}
	code, grpcCode, text := classify(err)
	if code == CodeUnknown {
		log.Error("unexpected failure", "err", ClipN(err.Error(), 8*clipBytes))
	}
	return New(grpcCode, code, text)
}

// classify names err's error code, gRPC code and message. A body the options do not trust is INVALID_ARGUMENT,
// not UNAUTHENTICATED or PERMISSION_DENIED: Cloudforet's client turns those two into its own
// ERROR_AUTHENTICATE_FAILURE and ERROR_PERMISSION_DENIED (the latter without the message), and the user would never
// read why the body was refused.
func classify(err error) (code string, grpcCode codes.Code, text string) {
	var (
		ip *sourcekit.InvalidPayloadError
		up *pipeline.UnsupportedPayloadError
		le *sourcekit.LimitError
		ce *application.ConfirmError
		sg *trust.SignatureError
		te *trust.TopicError
		se *trust.SecretError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout, codes.DeadlineExceeded, "The call ran past its deadline (the caller's, or the plugin's call_timeout) and was stopped."
	case errors.Is(err, context.Canceled):
		return CodeCanceled, codes.Canceled, "The call was canceled."
	case errors.As(err, &le):
		return CodeLimitExceeded, codes.InvalidArgument, le.Error()
	case errors.As(err, &ce):
		return CodeNotConfirmed, codes.FailedPrecondition, ClipN(ce.Error(), 8*clipBytes)
	case errors.As(err, &te):
		return CodeTopicNotAllowed, codes.InvalidArgument, ClipN(te.Error(), 8*clipBytes)
	case errors.As(err, &se):
		return CodeSecretMismatch, codes.InvalidArgument, ClipN(se.Error(), 8*clipBytes)
	case errors.As(err, &sg):
		return CodeNotVerified, codes.InvalidArgument, ClipN(sg.Error(), 8*clipBytes)
	case errors.As(err, &ip):
		return CodeInvalidPayload, codes.InvalidArgument, ClipN(ip.Error(), 8*clipBytes)
	case errors.As(err, &up):
		return CodeUnsupported, codes.InvalidArgument, up.Error()
	}
	return CodeUnknown, codes.Internal, internalDescription
}

// Code is the error code Status gives err, for a metric label: a closed set, never a caller's text.
func Code(err error) string {
	if _, ok := status.FromError(err); ok && err != nil {
		if code := CodeOf(err); code != "" {
			return code
		}
		return CodeUnknown
	}
	var oe *option.Error
	if errors.As(err, &oe) && len(oe.Violations) > 0 {
		code, _ := spell(oe.Violations[0])
		return code
	}
	code, _, _ := classify(err)
	return code
}

// CodeOf reads the error code a status error carries in its google.rpc.ErrorInfo; "" when it has none (grpc-go's
// own refusals).
func CodeOf(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == errorInfoDomain {
			return info.GetReason()
		}
	}
	return ""
}

// New is a status with details "code: text", and code again as a google.rpc.ErrorInfo for logs and metrics.
func New(grpcCode codes.Code, code, text string, more ...protoadapt.MessageV1) error {
	st, err := status.New(grpcCode, code+": "+text).WithDetails(append([]protoadapt.MessageV1{
		&errdetails.ErrorInfo{Reason: code, Domain: errorInfoDomain}}, more...)...)
	if err != nil { // only a detail that cannot be marshalled fails, and these always can
		return status.Error(grpcCode, code+": "+text)
	}
	return st.Err()
}

// Newf is New with a formatted text.
func Newf(grpcCode codes.Code, code, format string, args ...any) error {
	return New(grpcCode, code, fmt.Sprintf(format, args...))
}

// violations spells option violations: details naming the first, and the first few as a BadRequest. The status
// travels in the call's trailers, which clients cap (Cloudforet's at 8 KiB), so it stays short and the caller always
// reads INVALID_ARGUMENT, never the INTERNAL an oversized trailer becomes.
func violations(vs []option.Violation) error {
	shown := vs[:min(len(vs), maxViolations)]
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, 0, len(shown))}
	for _, v := range shown {
		code, text := spell(v)
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: Clip(v.Key), Description: text, Reason: code})
	}
	code, text := spell(vs[0])
	return New(codes.InvalidArgument, code, text, br)
}

// spell writes v as Cloudforet's Python services write the same error: its code and its message, the key and
// reason clipped.
func spell(v option.Violation) (code, text string) {
	key, reason := Clip(v.Key), ClipN(v.Reason, 4*clipBytes)
	switch v.Kind {
	case option.Required:
		return CodeRequired, "Required parameter. (key = " + key + ")"
	case option.NotSupported:
		return CodeNotSupported, "Not supported option. (key = " + key + ")"
	case option.InvalidType:
		return CodeInvalidType, "Parameter type is invalid. (key = " + key + ", type = " + string(v.Want) + ")"
	default:
		return CodeInvalid, "Parameter is invalid. (key = " + key + ", reason = " + reason + ")"
	}
}

// Clip cuts s to 128 bytes on a rune boundary, marking the cut with an ellipsis, so no error or log line echoes a
// long value back.
func Clip(s string) string { return ClipN(s, clipBytes) }

// ClipN is Clip to n bytes.
func ClipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Internal is the answer to a failure that is not the caller's fault (a panic): all the caller learns.
func Internal() error { return New(codes.Internal, CodeUnknown, internalDescription) }
