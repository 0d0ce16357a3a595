package application_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

// fakeConfirmer records the subscriptions it is asked to confirm and answers err.
type fakeConfirmer struct {
	subs []sourcekit.Subscription
	err  error
}

func (f *fakeConfirmer) Confirm(_ context.Context, sub sourcekit.Subscription) error {
	f.subs = append(f.subs, sub)
	return f.err
}

// fixedClock is the time of receipt.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var at = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// fakeCertificates records the certificate URLs it is asked for and answers cert, or err.
type fakeCertificates struct {
	urls []string
	cert *x509.Certificate
	err  error
}

func (f *fakeCertificates) Certificate(_ context.Context, certURL, _ string) (*x509.Certificate, error) {
	f.urls = append(f.urls, certURL)
	return f.cert, f.err
}

func newParse(c *fakeConfirmer) *application.Parse {
	return application.NewParse(c, &fakeCertificates{err: errors.New("no certificate in this test")}, fixedClock(at), sourcekit.DefaultBudget)
}

func TestParseReadsABodyAtTheClocksTime(t *testing.T) {
	c := &fakeConfirmer{}
	res, err := newParse(c).Handle(context.Background(), map[string]any{}, map[string]any{"event_key": "k", "title": "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 || !res.Events[0].OccurredAt.Equal(at) || res.Source != "generic" {
		t.Errorf("result %+v, want one generic event at the clock's time", res)
	}
	if len(c.subs) != 0 {
		t.Errorf("confirmed %v for a body that asks nothing", c.subs)
	}
}

func TestParseHandsASubscriptionToTheConfirmer(t *testing.T) {
	body := map[string]any{"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:us-east-1:1:t", "MessageId": "m",
		"SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"}
	c := &fakeConfirmer{}
	res, err := newParse(c).Handle(context.Background(), map[string]any{}, body)
	if err != nil || len(res.Events) != 0 || len(c.subs) != 1 || c.subs[0].URL != body["SubscribeURL"] || c.subs[0].TopicArn != body["TopicArn"] {
		t.Fatalf("result %+v, %v; confirmer got %+v", res, err, c.subs)
	}
	// A refusal comes back as a ConfirmError wrapping the confirmer's reason.
	refused := errors.New("its host is not SNS's")
	_, err = newParse(&fakeConfirmer{err: refused}).Handle(context.Background(), map[string]any{}, body)
	var ce *application.ConfirmError
	if !errors.As(err, &ce) || !errors.Is(err, refused) {
		t.Errorf("a refused confirmation = %v, want a ConfirmError of the reason", err)
	}
}

// TestParseNamesMissingDataBesideBadOptions checks one answer names every problem: data absent and the options'
// violations together, data first.
func TestParseNamesMissingDataBesideBadOptions(t *testing.T) {
	for name, opts := range map[string]map[string]any{
		"good options":   {},
		"bad options":    {"source": "nagios", "x": 1.0},
		"absent options": nil,
	} {
		_, err := newParse(&fakeConfirmer{}).Handle(context.Background(), opts, nil)
		var oe *option.Error
		if !errors.As(err, &oe) || oe.Violations[0].Key != "data" || oe.Violations[0].Kind != option.Required {
			t.Fatalf("%s: %v, want data required first", name, err)
		}
		if want := map[string]int{"good options": 1, "bad options": 3, "absent options": 2}[name]; len(oe.Violations) != want {
			t.Errorf("%s: %d violations %+v, want %d", name, len(oe.Violations), oe.Violations, want)
		}
	}
}

func TestParseStopsWhenTheCallersContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := map[string]any{"version": "4", "groupKey": "g", "alerts": []any{map[string]any{"labels": map[string]any{"alertname": "a"}}}}
	if _, err := newParse(&fakeConfirmer{}).Handle(ctx, map[string]any{}, body); !errors.Is(err, context.Canceled) {
		t.Errorf("an ended context: %v, want context.Canceled", err)
	}
}
