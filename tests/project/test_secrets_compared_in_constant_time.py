"""Secrets are compared with hmac.compare_digest, never with == or != (a comparison that stops at the
first differing byte tells a caller, by its time, how much of a guess was right). Read from the source:
every == / != in our code whose operand is named like a secret (secret, token, digest, signature,
password, key) fails this test, unless it is listed below with the reason it is not a secret."""

import ast
import re
from pathlib import Path

from tests.source_parsing import parse_source

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"secret|token|digest|signature|password|(^|_)key$", re.IGNORECASE)
# (file, the comparison's source): public values that happen to have such a name, and why
NOT_SECRETS = {
    # digests of outputs a miner signed and sent: the sender knows both sides, nothing secret is timed
    ("consortium/portal/runs/actions.py", 'state.outputs.get("digest") == body["digest"]'),
    ("consortium/portal/runs/reconstruct.py", 'canonical_digest(raw_outputs) != body["digest"]'),
    ("consortium/portal/runs/reconstruct.py", 'canonical_digest(body["outputs"]) != body["digest"]'),
    # public keys (the admin shows whether a registration's key is the one pinned now)
    ("consortium/portal/minerlink/admin.py", "pinned == registration.public_key"),
    # the session's user id (SESSION_KEY names the session entry), not a secret
    ("consortium/portal/runs/consumers.py", 'stored.get(SESSION_KEY) == str(self.scope["user"].pk)'),
    # a retry's body against the stored one, reached only with the token (itself matched by its hash in
    # the database): the digests are the receipt's, which the browser holds
    ("miners/intake/actions.py",
     "(stored.period, str(stored.form), stored.digest) != (shares.period, shares.form, shares.digest)"),
    # the digest of the portal's public run parameters
    ("miners/runs/actions.py", "run.request_digest != digest"),
    # identity keys here are public keys (docs/api.md section 7): anyone may read them at /api/identity
    ("consortium/contract/rotation.py", 'fields["old_public_key"] == fields["new_public_key"]'),
    ("consortium/contract/rotation.py", "rotation.old_public_key != pinned_public_key"),
    ("consortium/portal/minerlink/actions.py", "pinned_key(index) == public_key"),
    ("consortium/portal/minerlink/actions.py", "current == rotation.new_public_key"),
    ("consortium/portal/minerlink/actions.py", "row.previous_key == rotation.old_public_key"),
    ("miners/pins/store.py", "current.public_key == rotation.new_public_key"),
    ("miners/pins/store.py", "current.previous_key == rotation.old_public_key"),
}


def operand_names(node) -> list[str]:
    """The identifiers an operand is made of (names, attributes, string subscripts)."""
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            names.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.append(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            names.append(sub.value)
    return names


def plain_comparisons_of_secrets(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(parse_source(source, str(path))):
        equality = isinstance(node, ast.Compare) and any(isinstance(o, (ast.Eq, ast.NotEq)) for o in node.ops)
        if not equality:
            continue
        for operand in (node.left, *node.comparators):
            if isinstance(operand, ast.Constant) and operand.value in (None, "", 0):
                break  # "is it set": no secret's bytes are compared
        else:
            whole = ast.get_source_segment(source, node) or ""
            if (str(path.relative_to(ROOT)), whole) in NOT_SECRETS:
                continue
            for operand in (node.left, *node.comparators):
                text = ast.get_source_segment(source, operand) or ""
                if any(SECRET_NAME.search(n) for n in operand_names(operand)) and not text.startswith("len("):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {whole}")
                    break
    return found


def test_the_reader_finds_a_plain_comparison_of_a_secret(tmp_path, monkeypatch):
    import sys
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text("def check(given, expected_secret):\n    return given == expected_secret\n"
                      "def fine(token):\n    return token is None or token == ''\n")
    assert plain_comparisons_of_secrets(sample) == ["sample.py:2: given == expected_secret"]


def test_no_secret_is_compared_with_equals():
    files = [f for package in ("consortium", "miners") for f in sorted((ROOT / package).rglob("*.py"))
             if "migrations" not in f.parts]
    assert files
    assert [hit for f in files for hit in plain_comparisons_of_secrets(f)] == []
