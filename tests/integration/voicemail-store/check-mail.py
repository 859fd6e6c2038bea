#!/usr/bin/env python3
"""check-mail.py MAIL WAV TO SUBJECT_PART: parse a notification e-mail with
Python's email module and check it: one To (TO), a Subject holding
SUBJECT_PART once decoded, a text part, and an audio/x-wav attachment
named like WAV whose decoded bytes equal the file WAV.  Prints what it
found; exits non-zero on the first difference."""
import email, email.policy, os, sys

mail, wav, to, subject_part = sys.argv[1:5]
with open(mail, "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
print("To:", m["To"], "| Subject:", m["Subject"])
assert m["To"].addresses[0].addr_spec == to, "To"
assert len(m.get_all("To")) == 1 and len(m.get_all("Subject")) == 1, "one To and Subject"
assert subject_part in str(m["Subject"]), "Subject"
assert m.is_multipart() and m.get_content_type() == "multipart/mixed", "multipart"
body = m.get_body(preferencelist=("plain",))
assert body is not None and "mailbox" in body.get_content(), "text part"
att = [p for p in m.iter_attachments()]
assert len(att) == 1, "one attachment"
a = att[0]
print("attachment:", a.get_content_type(), a.get_filename())
assert a.get_content_type() == "audio/x-wav", "type"
assert a.get_filename() == os.path.basename(wav), "filename"
data = a.get_payload(decode=True)
with open(wav, "rb") as f:
    ref = f.read()
print("attachment %d bytes, message %d bytes" % (len(data), len(ref)))
assert data == ref, "attachment == message"
