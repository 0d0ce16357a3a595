package trust_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/trust"
	"github.com/monhook/monhook/domain/trust/trusttest"
)

// FuzzTrust runs every check on random JSON bodies: none may panic or change the body, an error never echoes more
// than a short part of a value nor the secret, the body left after the secret is the body without that one field,
// and what enforce reads of a message is a part of the body.
func FuzzTrust(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if b, err := os.ReadFile("testdata/" + e.Name()); err == nil && strings.HasSuffix(e.Name(), ".json") {
			f.Add(b, "Message")
		}
	}
	for _, m := range []map[string]any{
		trusttest.Sign(f, trusttest.Key(f), trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", "hello"), "1"),
		trusttest.Sign(f, trusttest.Key(f), trusttest.Confirmation("https://sns.us-east-1.amazonaws.com/x.pem", "https://x"), "2"),
		{"a": map[string]any{"b": []any{map[string]any{"c": secret}}}, "TopicArn": trusttest.Topic},
	} {
		b, _ := json.Marshal(m)
		f.Add(b, "a.b.0.c")
	}
	opts := option.Defaults()
	opts.SNSTopicArns = []option.TopicPattern{"arn:aws:sns:*:123456789012:*", "arn:aws:sns:us-east-1:*:a*b*c"}
	f.Fuzz(func(t *testing.T, raw []byte, path string) {
		var body map[string]any
		if json.Unmarshal(raw, &body) != nil || body == nil {
			return
		}
		before, _ := json.Marshal(body)
		short := func(what string, err error) {
			if err != nil && (len(err.Error()) > 700 || strings.Contains(err.Error(), secret)) {
				t.Fatalf("%s: an error of %d bytes, or one showing the secret: %.200s", what, len(err.Error()), err)
			}
		}
		short("CheckTopic", trust.CheckTopic(opts, body))
		if _, perr := option.Path(path).Segments(); perr == nil {
			p := option.Path(path)
			rest, err := trust.CheckSecret(&option.BodySecret{Path: p, Value: secret}, body)
			short("CheckSecret", err)
			if err == nil && len(rest) < len(body)-1 {
				t.Fatalf("CheckSecret removed more than one field: %v from %v", rest, body)
			}
		}
		m, err := trust.ReadSNS(body)
		short("ReadSNS", err)
		if err == nil {
			signed := m.Signed(body)
			for k, v := range signed {
				if w, ok := body[k]; !ok || !reflect.DeepEqual(v, w) {
					t.Fatalf("Signed holds %s = %v, which the body does not", k, v)
				}
			}
			_ = m.StringToSign()
			short("Verify", m.Verify(&trusttest.Key(t).PublicKey))
		}
		if after, _ := json.Marshal(body); string(after) != string(before) {
			t.Fatalf("the body changed:\n%s\n%s", before, after)
		}
	})
}
