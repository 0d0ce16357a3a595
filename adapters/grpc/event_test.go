package grpc

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

func fixture(t *testing.T, name string) *structpb.Struct {
	t.Helper()
	return mustStruct(t, sourcetest.Get(t, name).Data(t))
}

// TestParseAnswersTheGoldenEvents sends a real body over gRPC and compares the answer, read as Cloudforet reads
// it, with the golden file the domain tests use.
func TestParseAnswersTheGoldenEvents(t *testing.T) {
	ts := serve(t)
	for _, name := range []string{"alertmanager/zulip-firing-two-alerts.json", "grafana/zulip-v9-mixed-firing-and-resolved.json", "generic/api-direct-test-nonstring-additional-info.json"} {
		t.Run(name, func(t *testing.T) {
			got, err := pluginpb.NewEventClient(ts.conn).Parse(callCtx(t), &pluginpb.ParseRequest{Options: mustStruct(t, map[string]any{}), Data: fixture(t, name)})
			if err != nil {
				t.Fatal(err)
			}
			b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var gotDoc, wantDoc any
			if err := json.Unmarshal(b, &gotDoc); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(sourcetest.Get(t, name).Golden)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &wantDoc); err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(gotDoc)
			w, _ := json.Marshal(wantDoc)
			if string(g) != string(w) {
				t.Errorf("answer\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	ts := serve(t)
	client := pluginpb.NewEventClient(ts.conn)
	empty := mustStruct(t, map[string]any{})
	rows := []struct {
		name    string
		req     *pluginpb.ParseRequest
		details string // prefix
	}{
		{"no data", &pluginpb.ParseRequest{Options: empty}, "ERROR_REQUIRED_PARAMETER: Required parameter. (key = data)"},
		{"no options", &pluginpb.ParseRequest{Data: fixture(t, "alertmanager/zulip-firing-two-alerts.json")}, "ERROR_REQUIRED_PARAMETER: Required parameter. (key = options)"},
		{"bad options", &pluginpb.ParseRequest{Options: mustStruct(t, map[string]any{"source": "x"}), Data: empty}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = options.source, reason = "},
		{"unsupported", &pluginpb.ParseRequest{Options: empty, Data: mustStruct(t, map[string]any{"hello": "world"})}, "ERROR_UNSUPPORTED_PAYLOAD: The payload matches none of the supported sources (tried " + strings.Join(source.Names(), ", ") + "). Set options.source"},
		{"invalid", &pluginpb.ParseRequest{Options: mustStruct(t, map[string]any{"source": "alertmanager"}), Data: mustStruct(t, map[string]any{"alerts": "x"})}, "ERROR_INVALID_PAYLOAD: The alertmanager payload cannot be read: alerts is not a list."},
		{"data too deep", &pluginpb.ParseRequest{Options: empty, Data: mustStruct(t, nested(40))}, "ERROR_INVALID_PARAMETER: Parameter is invalid. (key = data, reason = nests deeper than 32 levels)"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := client.Parse(callCtx(t), row.req)
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument || !strings.HasPrefix(st.Message(), row.details) {
				t.Errorf("got %v %q\nwant InvalidArgument %q…", st.Code(), st.Message(), row.details)
			}
		})
	}
}

func TestParseHandsSubscriptionURLToTheConfirmer(t *testing.T) {
	c := &recordingConfirmer{}
	ts := serveWith(t, c, Observers{})
	data := mustStruct(t, map[string]any{"Kind": "SubscriptionConfirmation", "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"})
	got, err := pluginpb.NewEventClient(ts.conn).Parse(callCtx(t), &pluginpb.ParseRequest{Options: mustStruct(t, map[string]any{"confirm_url": "SubscribeURL"}), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetResults()) != 0 {
		t.Errorf("a confirmation gave events: %v", got.GetResults())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.urls) != 1 || !strings.HasPrefix(c.urls[0], "https://sns.us-east-1.amazonaws.com/") {
		t.Errorf("confirmer got %q", c.urls)
	}
}

// refusingConfirmer refuses every subscription, as the SNS adapter does a hostile URL.
type refusingConfirmer struct{}

func (refusingConfirmer) Confirm(context.Context, sourcekit.Subscription) error {
	return errors.New("its host is not SNS's for region us-east-1")
}

func TestParseReportsARefusedConfirmation(t *testing.T) {
	ts := serveWith(t, refusingConfirmer{}, Observers{})
	_, err := pluginpb.NewEventClient(ts.conn).Parse(callCtx(t), &pluginpb.ParseRequest{
		Options: mustStruct(t, map[string]any{}), Data: fixture(t, "aws_sns/subscription-confirmation.json")})
	st := status.Convert(err)
	want := "ERROR_SUBSCRIPTION_NOT_CONFIRMED: The subscription was not confirmed: its host is not SNS's for region us-east-1"
	if st.Code() != codes.FailedPrecondition || st.Message() != want {
		t.Errorf("got %v %q", st.Code(), st.Message())
	}
}
