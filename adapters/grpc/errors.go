package grpc

import (
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source"
)

// internalMessage is all a caller learns of a failure that is not its fault; the cause goes to the log.
const internalMessage = "ERROR_UNKNOWN: Unknown error. (message = internal error; the plugin's log has the cause)"

// ToStatus is the only place a domain error becomes a status, and the only code that knows Cloudforet's spelling:
// details "ERROR_CODE: message" naming the first violation, plus every violation as a google.rpc.BadRequest.
func ToStatus(log *slog.Logger, err error) error {
	var (
		oe *option.Error
		ip *source.InvalidPayloadError
		up *source.UnsupportedPayloadError
	)
	var ce *application.ConfirmError
	switch {
	case errors.As(err, &ce):
		return status.Error(codes.FailedPrecondition, "ERROR_SUBSCRIPTION_NOT_CONFIRMED: "+ce.Error())
	case errors.As(err, &ip):
		return status.Error(codes.InvalidArgument, "ERROR_INVALID_PAYLOAD: "+ip.Error())
	case errors.As(err, &up):
		return status.Error(codes.InvalidArgument, "ERROR_UNSUPPORTED_PAYLOAD: "+up.Error())
	}
	if !errors.As(err, &oe) || len(oe.Violations) == 0 {
		log.Error("unexpected failure", "err", err)
		return status.Error(codes.Internal, internalMessage)
	}
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, 0, len(oe.Violations))}
	for _, v := range oe.Violations {
		code, text := spell(v)
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Key, Description: text, Reason: code})
	}
	code, text := spell(oe.Violations[0])
	st, derr := status.New(codes.InvalidArgument, code+": "+text).WithDetails(br)
	if derr != nil { // only a detail that cannot be marshalled fails, and BadRequest always can
		return status.Error(codes.InvalidArgument, code+": "+text)
	}
	return st.Err()
}

// spell writes v as Cloudforet's Python services write the same error: its code and its message.
func spell(v option.Violation) (code, text string) {
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
