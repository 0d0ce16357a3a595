package awssns_test

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/awssns"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

func snsEnvelope(t *testing.T, msg any) map[string]any {
	t.Helper()
	text, ok := msg.(string)
	if !ok {
		b, err := json.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		text = string(b)
	}
	return map[string]any{"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts",
		"Subject": "ALARM: \"cpu\"", "Timestamp": "2024-05-01T10:00:01.000Z", "Message": text}
}

func alarm(state, old string) map[string]any {
	return map[string]any{"AlarmName": "cpu", "AWSAccountId": "123456789012", "NewStateValue": state, "OldStateValue": old,
		"NewStateReason": "Threshold crossed", "StateChangeTime": "2024-05-01T12:00:00.250+0200", "Region": "EU (Ireland)",
		"AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cpu",
		"Trigger": map[string]any{"MetricName": "CPUUtilization", "Namespace": "AWS/EC2",
			"Dimensions": []any{map[string]any{"name": "InstanceId", "value": "i-0abc"}, map[string]any{"name": "AutoScalingGroupName", "value": "web"}}}}
}

func TestCloudWatchAlarmAndOKShareTheAlarmARN(t *testing.T) {
	fired := sourcetest.Events(t, map[string]any{}, snsEnvelope(t, alarm("ALARM", "OK")))
	ok := sourcetest.Events(t, map[string]any{}, snsEnvelope(t, alarm("OK", "ALARM")))
	if len(fired) != 1 || len(ok) != 1 {
		t.Fatalf("%d and %d events, want one per state change (not one per dimension)", len(fired), len(ok))
	}
	f, o := fired[0], ok[0]
	if f.Key != o.Key || f.Key != "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cpu" {
		t.Errorf("keys %q, %q", f.Key, o.Key)
	}
	if f.Type != event.Alert || f.Severity != event.Error || o.Type != event.Recovery || o.Severity != event.Error {
		t.Errorf("fired %s %s, ok %s %s", f.Type, f.Severity, o.Type, o.Severity)
	}
	if got := event.FormatTime(f.OccurredAt); got != "2024-05-01T10:00:00.25Z" {
		t.Errorf("occurred_at %s, want the +0200 offset honoured", got)
	}
	if f.Resource.Name != "InstanceId=i-0abc" || f.Resource.ID != "i-0abc" || f.Resource.Type != "AWS/EC2" ||
		f.AdditionalInfo["dimension_AutoScalingGroupName"] != "web" || f.Provider != "aws" || f.Account != "123456789012" {
		t.Errorf("resource %+v, info %v", f.Resource, f.AdditionalInfo)
	}
}

func TestCloudWatchAlarmShapes(t *testing.T) {
	insufficient := alarm("INSUFFICIENT_DATA", "OK")
	composite := alarm("ALARM", "OK")
	delete(composite, "Trigger")
	composite["AlarmRule"] = "ALARM(cpu) AND ALARM(mem)"
	bare := alarm("ALARM", "OK") // raw message delivery: no envelope
	for name, tt := range map[string]struct {
		data map[string]any
		sev  event.Severity
	}{
		"insufficient data": {snsEnvelope(t, insufficient), event.NotAvailable},
		"composite":         {snsEnvelope(t, composite), event.Error},
		"raw delivery":      {bare, event.Error},
	} {
		got := sourcetest.Events(t, map[string]any{}, tt.data)
		if len(got) != 1 || got[0].Severity != tt.sev || got[0].Title != "cpu" {
			t.Errorf("%s: %+v", name, got)
		}
	}
	// severity_map sees CloudWatch's own state.
	got := sourcetest.Events(t, map[string]any{"severity_map": map[string]any{"alarm": "CRITICAL"}}, snsEnvelope(t, alarm("ALARM", "OK")))
	if got[0].Severity != event.Critical {
		t.Errorf("severity_map: %s", got[0].Severity)
	}
}

func health(status, category string) map[string]any {
	d := map[string]any{"eventArn": "arn:aws:health:us-east-1::event/EC2/X/1", "service": "EC2", "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE",
		"eventTypeCategory": category, "startTime": "Wed, 6 Apr 2022 06:00:53 GMT", "endTime": "Thu, 7 Apr 2022 07:00:00 GMT",
		"eventDescription": []any{map[string]any{"language": "en_US", "latestDescription": `line one\nline two\\nline three`}},
		"affectedEntities": []any{map[string]any{"entityValue": "i-0abc"}}}
	if status != "" {
		d["statusCode"] = status
	}
	return map[string]any{"version": "0", "id": "e-1", "detail-type": "AWS Health Event", "source": "aws.health",
		"account": "123456789012", "time": "2022-04-06T06:01:00Z", "region": "us-east-1", "resources": []any{}, "detail": d}
}

func TestAWSHealth(t *testing.T) {
	open := sourcetest.Events(t, map[string]any{}, snsEnvelope(t, health("open", "issue")))[0]
	closed := sourcetest.Events(t, map[string]any{}, health("closed", "issue"))[0] // EventBridge API destination: no envelope
	if open.Key != closed.Key || open.Type != event.Alert || closed.Type != event.Recovery {
		t.Errorf("open %s %s, closed %s %s", open.Key, open.Type, closed.Key, closed.Type)
	}
	if open.Description != "line one\nline two\nline three" {
		t.Errorf("description %q", open.Description)
	}
	if open.Resource.Name != "i-0abc" || event.FormatTime(closed.OccurredAt) != "2022-04-07T07:00:00Z" {
		t.Errorf("resource %+v, closed at %s", open.Resource, event.FormatTime(closed.OccurredAt))
	}
	for category, want := range map[string]event.Severity{"issue": event.Error, "scheduledChange": event.Warning, "accountNotification": event.Info} {
		if got := sourcetest.Events(t, map[string]any{}, health("", category))[0].Severity; got != want {
			t.Errorf("%s: %s, want %s", category, got, want)
		}
	}
}

func TestOtherEventBridgeSourcesGetAGenericEvent(t *testing.T) {
	ev := map[string]any{"version": "0", "id": "e-2", "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
		"account": "123456789012", "time": "2024-05-01T10:00:00Z", "region": "eu-west-1",
		"resources": []any{"arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc"}, "detail": map[string]any{"state": "stopped"}}
	a := sourcetest.Events(t, map[string]any{}, ev)[0]
	other := maps.Clone(ev)
	other["id"], other["detail"] = "e-3", map[string]any{"state": "running"}
	b := sourcetest.Events(t, map[string]any{}, other)[0]
	if a.Title != "EC2 Instance State-change Notification" || a.Key == "" || a.Key != b.Key || a.AdditionalInfo["detail"] != `{"state":"stopped"}` {
		t.Errorf("events %+v / %+v", a, b)
	}
}

func TestSNSMessages(t *testing.T) {
	plain := sourcetest.Events(t, map[string]any{}, snsEnvelope(t, "Disk almost full on web-1\nsecond line"))
	if len(plain) != 1 || plain[0].Title != "ALARM: \"cpu\"" || plain[0].Description != "Disk almost full on web-1\nsecond line" {
		t.Errorf("plain text: %+v", plain)
	}
	am := sourcetest.AlertmanagerBody(sourcetest.AlertmanagerAlert("firing", map[string]any{"alertname": "Down", "severity": "warning"}))
	inner := sourcetest.Events(t, map[string]any{}, snsEnvelope(t, am))
	if len(inner) != 1 || inner[0].Title != "Down" || inner[0].Severity != event.Warning || inner[0].AdditionalInfo["sns_TopicArn"] == "" {
		t.Errorf("Alertmanager inside SNS: %+v", inner)
	}
}

func TestSNSHandshakes(t *testing.T) {
	conf := sourcetest.ReadJSON(t, "testdata/subscription-confirmation.json")
	res, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), conf)
	if err != nil || res.Confirm == nil || res.Confirm.URL != conf["SubscribeURL"] || res.Confirm.TopicArn != conf["TopicArn"] || len(res.Events) != 0 {
		t.Errorf("confirmation: %+v, %v", res, err)
	}
	unsub := maps.Clone(conf)
	unsub["Type"] = "UnsubscribeConfirmation"
	res, err = sourcetest.Normalize(sourcetest.Options(t, map[string]any{}), unsub)
	if err != nil || res.Confirm != nil || len(res.Events) != 0 || res.Notice == "" {
		t.Errorf("unsubscribe: %+v, %v", res, err)
	}
	bad := maps.Clone(conf)
	delete(bad, "SubscribeURL")
	if _, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": string(awssns.Name)}), bad); err == nil {
		t.Error("a confirmation without SubscribeURL was accepted")
	}
}
