#!/usr/bin/env python3
"""The text and email peer of `appeal letters --format txt` and `appeal queue` for
benches/side-by-side.sh: Jinja2, PyYAML and Python's `email`, one process per core.

usage: jinja_letters.py txt CAMPAIGN RECIPIENTS_DIR SUPPORTERS.csv OUT_DIR --date YYYY-MM-DD
       jinja_letters.py eml CAMPAIGN RECIPIENTS_DIR SUPPORTERS.csv OUTBOX --date YYYY-MM-DD --from "Name <addr>"
       (both take --jobs N, default one process per core)

It does per letter what appeal does: it renders appeal's own shipped letter templates
(templates/letter.LANG.txt: their Tera syntax is also Jinja2's) with the same data, read from the
same campaign YAML, recipient directory, data/addressees.yaml and supporters CSV.
- `txt`: per supporter, the target and each copy (the Moscow court, the Russian embassy in the
  supporter's country), in the supporter's language: one file per letter, in a folder per
  supporter, named as appeal names them.
- `eml`: per supporter, one email message to each recipient with an address, built with
  `email.message.EmailMessage` (the subject is the template's `topic` block, the body its `body`
  block without the subject line, then the sender's address; Reply-To the supporter) and written
  as appeal's outbox holds it: a JSON envelope line, then the message, one file per message
  written into tmp/, flushed by batches of 512 with syncfs, its id appended to ids.log and an
  events.log line, then renamed into ready/.

What it does not do, so it has less work than appeal (said, not hidden):
- It checks nothing: no schema validation of the YAML, no CSV row checks and no error per row,
  no Unicode normalisation of names, no duplicate detection of supporters, no deadline check.
- Addresses use a small table for the six countries of benches/supporters.py (appeal formats any
  country from data/address), dates a table of month names (appeal uses CLDR), and the campaign's
  `{m: ... | f: ...}` variants are resolved once per language (the benchmark's person is one
  man), not per letter. No typographic apostrophes.
- A letter file is created with O_EXCL (never overwriting); appeal writes a temporary and
  renames it into place.
- The queue's message id and digest are hashes of the same fields, but it does not look for
  messages queued before (the outbox is new in the benchmark; appeal reads ids.log anyway).
"""
import csv
import ctypes
import datetime
import hashlib
import json
import multiprocessing
import os
import re
import sys
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import jinja2
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = {"ru": "Cyrl", "ar": "ar", "fa": "fa", "zh": "Hans"}
COUNTRY = {"DE": "GERMANY", "FR": "FRANCE", "GB": "UNITED KINGDOM", "ES": "SPAIN",
           "US": "UNITED STATES", "RU": "RUSSIAN FEDERATION"}
# The lines under the street, per country: {C} is the city in capitals.
CITY_LINES = {"DE": ["{postcode} {city}"], "FR": ["{postcode} {C}"], "ES": ["{postcode} {C} {region}"],
              "GB": ["{C}", "{postcode}"], "US": ["{C}, {region} {postcode}"], "RU": ["{C}", "{postcode}"]}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "ar": "يناير/كانون_الثاني فبراير/شباط مارس/آذار أبريل/نيسان مايو/أيار يونيو/حزيران "
          "يوليو/تموز أغسطس/آب سبتمبر/أيلول أكتوبر/تشرين_الأول نوفمبر/تشرين_الثاني ديسمبر/كانون_الأول",
}
DATE = {"en": "{d} {m} {y}", "de": "{d}. {m} {y}", "fr": "{d} {m} {y}", "es": "{d} de {m} de {y}",
        "ru": "{d} {m} {y} г.", "ar": "{d} {m} {y}"}
VARIANT = re.compile(r"\{([a-z-]+:[^{}]*)\}")


def variants(text, form):
    """Resolves the campaign's `{m: ... | f: ... | group: ...}` alternatives for one form."""
    def one(match):
        options = dict((k.strip(), v.strip()) for k, _, v in
                       (part.partition(":") for part in match.group(1).split("|")))
        return options.get(form) or options.get("group") or next(iter(options.values()))
    return VARIANT.sub(one, text)


def local(field, lang):
    return field.get(lang) or field.get("en") or "" if isinstance(field, dict) else field or ""


def fill(alternatives, values):
    """The first alternative whose placeholders all have a value (data/addressees.yaml's rule)."""
    for alt in alternatives or []:
        lines = alt if isinstance(alt, list) else [alt]
        names = re.findall(r"\{(\w+)\}", " ".join(lines))
        if all(values.get(n) for n in names):
            return [line.format(**values) for line in lines]
    return []


class Batch:
    """Everything that is the same for every letter: read once, before the processes fork."""

    def __init__(self, campaign, recipients_dir, date):
        with open(campaign, encoding="utf-8") as f:
            self.campaign = yaml.safe_load(f)
        self.directory = {}
        for name in sorted(os.listdir(recipients_dir)):
            if name.endswith(".yaml"):
                with open(os.path.join(recipients_dir, name), encoding="utf-8") as f:
                    for entry in yaml.safe_load(f).get("recipients", []):
                        self.directory[entry["id"]] = entry
        with open(os.path.join(ROOT, "data", "addressees.yaml"), encoding="utf-8") as f:
            self.forms = yaml.safe_load(f)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, "templates")),
                                      autoescape=False, keep_trailing_newline=True)
        self.date = datetime.date.fromisoformat(date)
        self.texts = {}

    def lang_texts(self, lang):
        """The campaign's texts in one language, variants resolved (cached per language)."""
        if lang not in self.texts:
            c, form = self.campaign, self.campaign["persons"][0].get("gender", "m")
            self.texts[lang] = {
                "form": form,
                "subject": variants(local(c.get("subject"), lang), form),
                "letter": variants(local(c["letter"], lang), form),
                "asks": [variants(local(ask["letter"], lang), form) for ask in c.get("asks", [])],
                "names": local(c["persons"][0]["name"], SCRIPT.get(lang, "Latn")),
                "template": self.env.get_template(f"letter.{lang}.txt"),
            }
        return self.texts[lang]

    def date_text(self, lang):
        d = self.date
        day = "1er" if lang == "fr" and d.day == 1 else str(d.day)
        month = MONTHS[lang].split()[d.month - 1].replace("_", " ")
        return DATE[lang].format(d=day, m=month, y=d.year)

    def recipients(self, supporter):
        """The target(s), then the copies, as (entry, is_copy) for one supporter."""
        c = self.campaign
        for target in c.get("targets", []):
            yield self.directory[target["recipient"]], False
        for copy in c.get("copies", []):
            if "recipient" in copy:
                yield self.directory[copy["recipient"]], True
            else:
                for entry in self.directory.values():
                    if (entry.get("kind") == "embassy" and entry.get("represents") == copy["embassy_of"]
                            and entry.get("host") == supporter["country"]):
                        yield entry, True

    def recipient(self, entry, lang, home):
        """A recipient as the templates see it: addressee lines, address, salutation."""
        kind = "ambassador" if entry.get("kind") == "embassy" else "official" if entry.get("gender") else "institution"
        forms = self.forms.get(lang, {}).get(kind, {}).get(entry.get("gender", "none"), {})
        name = entry.get("name", {})
        values = {"name": name.get(lang) or name.get(SCRIPT.get(lang, "Latn"), ""),
                  "title": local(entry.get("title", {}), lang), "office": local(entry.get("office", {}), lang),
                  "addressee": " ".join(local(entry.get("addressee", {}), lang).split())}
        values["title_lc"] = values["title"][:1].lower() + values["title"][1:]
        own = entry.get("addressee", {}).get(lang)
        return {
            "addressee": own.strip().split("\n") if own else fill(forms.get("block"), values),
            "address": entry.get("address", []) + address_lines(entry, postal_country(entry) != home),
            "salutation": entry.get("salutation", {}).get(lang) or (fill(forms.get("salutation"), values) or [""])[0],
            "to": entry.get("to", {}).get(lang) or (fill(forms.get("to"), values) or [""])[0],
            "closing": entry.get("closing", {}).get(lang, ""),
            "institution": kind == "institution",
            "email": entry.get("email"),
        }

    def letters(self, supporter):
        """(recipient id, is_copy, lang, context, template) for each of a supporter's letters."""
        lang = supporter["lang"] if supporter["lang"] in self.campaign["languages"] else "en"
        t = self.lang_texts(lang)
        target = self.campaign["targets"][0]["recipient"]
        for entry, copy in self.recipients(supporter):
            person = {"name": supporter["name"], "signature": supporter["name"], "blank": False,
                      "email": supporter["email"], "note": supporter.get("note", ""),
                      "address": [supporter["address"]] + address_lines(supporter, supporter["country"] != postal_country(entry))}
            context = {"supporter": person, "recipient": self.recipient(entry, lang, supporter["country"]),
                       "targets": [self.recipient(self.directory[target], lang, supporter["country"])] if copy else [],
                       "copy": copy, "date": self.date_text(lang), "letter": t["letter"], "asks": t["asks"],
                       "form": t["form"], "names": t["names"],
                       "campaign": {"subject": t["subject"], "reference": self.campaign.get("reference")}}
            yield entry, copy, lang, context, t["template"]


def postal_country(entry):
    """Where a recipient's post goes: an embassy is in its host country."""
    return entry.get("host") or entry["country"]


def address_lines(place, with_country):
    country = postal_country(place)
    values = {"postcode": place.get("postcode", ""), "city": place.get("city", ""),
              "C": place.get("city", "").upper(), "region": place.get("region", "")}
    lines = [line.format(**values).strip() for line in CITY_LINES[country]]
    return lines + [COUNTRY[country]] if with_country else lines


def slug(name):
    return re.sub(r"[^\w]+", "-", name.lower()).strip("-")


batch = None
options = None


def write_letters(rows):
    """`txt`: one file per letter."""
    out = os.path.join(options["out"], batch.campaign["id"])
    written = 0
    for supporter in rows:
        folder = os.path.join(out, slug(supporter["name"]))
        os.makedirs(folder, exist_ok=True)
        for entry, copy, lang, context, template in batch.letters(supporter):
            name = f"{entry['id']}{'.copy' if copy else ''}.{lang}.txt"
            with open(os.path.join(folder, name), "x", encoding="utf-8") as f:
                f.write(template.render(context))
            written += 1
    return written


libc = ctypes.CDLL(None, use_errno=True)


def syncfs(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        libc.syncfs(fd)
    finally:
        os.close(fd)


def write_messages(rows):
    """`eml`: one outbox file per message, committed by batches of 512 as appeal's queue does."""
    outbox, sender = options["out"], options["from"]
    org = Address(addr_spec=sender.rsplit("<", 1)[1].rstrip(">"))
    queued, pending = 0, []
    now = datetime.datetime.now(datetime.timezone.utc)
    for supporter in rows:
        for entry, copy, lang, context, template in batch.letters(supporter):
            to = context["recipient"]["email"]
            if not to:
                continue
            ctx = template.new_context(context)
            subject = "".join(template.blocks["topic"](ctx)).strip()
            body = "".join(template.blocks["body"](template.new_context(context))).split("\n\n", 1)[1]
            body += "\n\n" + "\n".join(context["supporter"]["address"]) + "\n" + supporter["email"] + "\n"
            ident = "\0".join([batch.campaign["id"], supporter["name"], supporter["email"], entry["id"], lang, str(copy)])
            mid = hashlib.sha256(ident.encode()).hexdigest()[:20]
            msg = EmailMessage(policy=policy.SMTP)
            msg["From"] = Address(supporter["name"], org.username, org.domain)
            msg["To"] = Address(" ".join(context["recipient"]["addressee"][-1:]), addr_spec=to)
            msg["Subject"] = subject
            msg["Date"] = format_datetime(now)
            msg["Message-ID"] = f"<{mid}.{batch.campaign['id']}@{org.domain}>"
            msg["Reply-To"] = Address(supporter["name"], addr_spec=supporter["email"])
            msg.set_content(body, charset="utf-8", cte="base64")
            data = msg.as_bytes()
            envelope = {"id": mid, "campaign": batch.campaign["id"], "recipient": entry["id"], "lang": lang,
                        "copy": copy, "supporter": supporter["name"], "from": org.addr_spec,
                        "route": {"by": "email", "to": to}, "subject": subject,
                        "deadline": str(batch.campaign.get("deadline")), "queued_at": now.isoformat(),
                        "digest": hashlib.md5(data).hexdigest()}
            with open(os.path.join(outbox, "tmp", mid), "xb") as f:
                f.write(json.dumps(envelope, ensure_ascii=False).encode() + b"\n" + data)
            pending.append(mid)
            if len(pending) == 512:
                queued += commit(outbox, pending)
                pending = []
    return queued + commit(outbox, pending)


def commit(outbox, ids):
    """Flushes a batch, logs its ids and events, and moves it into ready/ (appeal's order)."""
    if not ids:
        return 0
    syncfs(outbox)
    with open(os.path.join(outbox, "ids.log"), "a") as f:
        f.write("".join(i + "\n" for i in ids))
    with open(os.path.join(outbox, "events.log"), "a") as f:
        f.write("".join(json.dumps({"id": i, "event": "queued"}) + "\n" for i in ids))
    for i in ids:
        os.rename(os.path.join(outbox, "tmp", i), os.path.join(outbox, "ready", i))
    syncfs(outbox)
    return len(ids)


def main():
    global batch, options
    args = sys.argv[1:]
    flags = {}
    for flag in ("--date", "--from", "--jobs"):
        if flag in args:
            i = args.index(flag)
            flags[flag] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 5 or args[0] not in ("txt", "eml") or "--date" not in flags:
        sys.exit(__doc__)
    mode, campaign, recipients_dir, supporters, out = args
    jobs = int(flags.get("--jobs", os.cpu_count() or 1))
    batch = Batch(campaign, recipients_dir, flags["--date"])
    options = {"out": out, "from": flags.get("--from", "")}
    if mode == "eml":
        for folder in ("tmp", "ready"):
            os.makedirs(os.path.join(out, folder), mode=0o700, exist_ok=True)
    with open(supporters, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    work = write_letters if mode == "txt" else write_messages
    with multiprocessing.Pool(jobs) as pool:
        done = sum(pool.map(work, [rows[i::jobs] for i in range(jobs)]))
    print(f"{done} {'letter(s) written to' if mode == 'txt' else 'message(s) queued in'} {out}")


if __name__ == "__main__":
    main()
