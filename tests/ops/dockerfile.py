"""Reading a Dockerfile and a .dockerignore as Docker does, for the checks of tests/ops."""

import os
import re
import shlex


def _json_or_words(text):
    text = text.strip()
    if text.startswith("["):
        return re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    return shlex.split(text)


class Copy:
    """One COPY (or ADD): flags such as --from=, --chown=, then sources and a destination."""

    def __init__(self, args):
        flags = []
        rest = args.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            flags.append(flag)
            rest = rest.strip()
        words = _json_or_words(rest)
        self.from_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        self.sources = words[:-1]
        self.destination = words[-1]


class Stage:
    def __init__(self, base, name):
        self.base = base
        self.name = name
        self.workdir = ""
        self.instructions = []  # (instruction, arguments), in order

    def copies(self, from_stage=None):
        """COPY instructions reading the build context, or stage `from_stage`'s files when given."""
        found = [Copy(args) for instruction, args in self.instructions if instruction in ("COPY", "ADD")]
        return [c for c in found if c.from_stage == from_stage]

    def runs(self):
        return [args for instruction, args in self.instructions if instruction == "RUN"]

    def arg_defaults(self):
        defaults = {}
        for instruction, args in self.instructions:
            if instruction == "ARG" and "=" in args:
                name, _, value = args.partition("=")
                defaults[name.strip()] = value.strip().strip('"')
        return defaults

    def env(self):
        values = {}
        for instruction, args in self.instructions:
            if instruction != "ENV":
                continue
            words = shlex.split(args)
            if words and "=" not in words[0]:
                values[words[0]] = " ".join(words[1:])
            else:
                for word in words:
                    name, _, value = word.partition("=")
                    values[name] = value
        return values

    def apt_packages(self):
        """Every package an `apt-get install` of this stage names."""
        packages = []
        for command in self.runs():
            for part in re.split(r"&&|;|\|\|", command):
                words = shlex.split(part)
                words = [w for w in words if not re.match(r"^[A-Z_]+=", w)]  # VAR=value prefixes
                if len(words) >= 2 and words[0] == "apt-get" and "install" in words:
                    after = words[words.index("install") + 1:]
                    packages += [w for w in after if not w.startswith("-")]
        return packages


class Dockerfile:
    def __init__(self, stages):
        self.stages = stages

    @staticmethod
    def instructions(path):
        """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
        with open(path, encoding="utf-8") as f:
            lines = [line for line in f.read().splitlines() if not line.lstrip().startswith("#")]
        text = re.sub(r"\\\n", " ", "\n".join(lines))
        result = []
        for line in text.splitlines():
            line = line.strip()
            if line:
                instruction, _, args = line.partition(" ")
                result.append((instruction.upper(), args.strip()))
        return result

    @classmethod
    def load(cls, path):
        stages = []
        for instruction, args in cls.instructions(path):
            if instruction == "FROM":
                words = [w for w in args.split() if not w.startswith("--")]
                name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
                stages.append(Stage(words[0], name))
                continue
            if not stages:
                continue  # ARGs before the first FROM
            stage = stages[-1]
            stage.instructions.append((instruction, args))
            if instruction == "WORKDIR":
                stage.workdir = os.path.normpath(os.path.join(stage.workdir or "/", args))
        return cls(stages)


def _pattern_regex(pattern):
    """A .dockerignore pattern as a regex, with Go's filepath.Match rules plus `**`."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out.append("(?:.*/)?")
                i += 1
            else:
                out.append(".*")
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                if body.startswith("^"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$")


class DockerIgnore:
    """Docker's rules: patterns are matched against the path and each of its parent
    folders, in order, and the last pattern that matches decides; `!` re-includes."""

    def __init__(self, patterns):
        self.rules = []
        for line in patterns:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            if exclusion:
                line = line[1:].strip()
            cleaned = os.path.normpath(line.lstrip("/")) if line.strip("/") else "."
            self.rules.append((_pattern_regex(cleaned), exclusion))

    @classmethod
    def load(cls, root):
        path = os.path.join(root, ".dockerignore")
        if not os.path.isfile(path):
            return cls([])
        with open(path, encoding="utf-8") as f:
            return cls(f.read().splitlines())

    def excluded(self, path):
        """True when the context path `path` (relative, / separated) is left out."""
        path = os.path.normpath(path)
        parts = path.split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        result = False
        for regex, exclusion in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                result = not exclusion
        return result
