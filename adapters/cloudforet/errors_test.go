package cloudforet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
)

// TestEveryDomainErrorHasItsCodeInTextAndErrorInfo checks the one spelling: the status code, the details' prefix,
// and the same error code in google.rpc.ErrorInfo, which logs and metrics read instead of the text.
func TestEveryDomainErrorHasItsCodeInTextAndErrorInfo(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		err  error
		code codes.Code
		want string
	}{
		{&option.Error{Violations: []option.Violation{{Kind: option.Required, Key: "options"}}}, codes.InvalidArgument, cloudforet.CodeRequired},
		{&option.Error{Violations: []option.Violation{{Kind: option.NotSupported, Key: "options.x"}}}, codes.InvalidArgument, cloudforet.CodeNotSupported},
		{&option.Error{Violations: []option.Violation{{Kind: option.InvalidType, Key: "options.source", Want: option.TypeStr}}}, codes.InvalidArgument, cloudforet.CodeInvalidType},
		{&option.Error{Violations: []option.Violation{{Kind: option.Invalid, Key: "options.source", Reason: "no"}}}, codes.InvalidArgument, cloudforet.CodeInvalid},
		{&sourcekit.InvalidPayloadError{Source: "alertmanager", Field: "alerts", Reason: "is not a list"}, codes.InvalidArgument, cloudforet.CodeInvalidPayload},
		{&pipeline.UnsupportedPayloadError{Tried: []string{"a"}}, codes.InvalidArgument, cloudforet.CodeUnsupported},
		{&sourcekit.LimitError{Limit: "max_events", Max: 1, What: "2"}, codes.InvalidArgument, cloudforet.CodeLimitExceeded},
		{&application.ConfirmError{Err: errors.New("refused")}, codes.FailedPrecondition, cloudforet.CodeNotConfirmed},
		{&trust.SignatureError{Reason: "its Signature does not match"}, codes.InvalidArgument, cloudforet.CodeNotVerified},
		{&trust.SignatureError{Unsigned: true, Reason: "it has no Signature"}, codes.InvalidArgument, cloudforet.CodeNotVerified},
		{&trust.TopicError{Topic: "arn:aws:sns:us-east-1:1:t"}, codes.InvalidArgument, cloudforet.CodeTopicNotAllowed},
		{&trust.SecretError{Path: "token", Missing: true}, codes.InvalidArgument, cloudforet.CodeSecretMismatch},
		{&application.ConfirmError{Err: &trust.SignatureError{Reason: "x"}}, codes.FailedPrecondition, cloudforet.CodeNotConfirmed},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), codes.DeadlineExceeded, cloudforet.CodeTimeout},
		{context.Canceled, codes.Canceled, cloudforet.CodeCanceled},
		{errors.New("a bug"), codes.Internal, cloudforet.CodeUnknown},
	}
	for _, tt := range tests {
		got := cloudforet.Status(log, tt.err)
		st := status.Convert(got)
		if st.Code() != tt.code || !strings.HasPrefix(st.Message(), tt.want+": ") {
			t.Errorf("%T: %v %q, want %v %s: …", tt.err, st.Code(), st.Message(), tt.code, tt.want)
		}
		if c := cloudforet.CodeOf(got); c != tt.want {
			t.Errorf("%T: ErrorInfo says %q, want %s", tt.err, c, tt.want)
		}
		if c := cloudforet.Code(tt.err); c != tt.want {
			t.Errorf("%T: Code = %q, want %s", tt.err, c, tt.want)
		}
		if !slices.Contains(cloudforet.Codes(), tt.want) {
			t.Errorf("Codes() lacks %s, so its metric series is not listed at start", tt.want)
		}
	}
	// A status passes through as it is; one without ErrorInfo (grpc-go's own) counts as unknown.
	own := status.Error(codes.ResourceExhausted, "grpc: received message larger than max")
	if got := cloudforet.Status(log, own); !errors.Is(got, own) || cloudforet.Code(own) != cloudforet.CodeUnknown {
		t.Error("a grpc-go status was not passed through, or was given a code")
	}
}

func TestClipCutsOnARuneBoundary(t *testing.T) {
	s := strings.Repeat("é", 100) // 200 bytes
	got := cloudforet.Clip(s)
	if !strings.HasSuffix(got, "…") || len(got) > 128+len("…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
		t.Errorf("Clip = %q", got)
	}
	if cloudforet.Clip("short") != "short" {
		t.Error("a short text was cut")
	}
}
