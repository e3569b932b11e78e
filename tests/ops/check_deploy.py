#!/usr/bin/env python3
"""Static checks of the deployment files, for machines without a Docker engine.

    tests/ops/check_deploy.py [REPO_ROOT]

docker-compose.yml: the YAML parses; every service has a healthcheck; every
image tag is pinned (no :latest, no bare name); every depends_on waits for
service_healthy of a service that has a healthcheck; bind-mounted host paths,
build contexts, and files a service names inside a bind mount (config files
in its command or environment) exist; named volumes are declared; Prometheus'
rule_files exist.
Dockerfile: multi-stage, every FROM pinned, COPY sources exist and are not
excluded by .dockerignore, every folder CMakeLists.txt builds from is
copied, the runtime stage runs as a non-root USER and has
a HEALTHCHECK on /api/health.
.github/workflows/ci.yml: parses, and the scripts it runs exist.
Prints every problem found and exits 1 when there is any.
"""

import fnmatch
import os
import re
import shlex
import sys

import yaml

PROBLEMS = []


def problem(where, message):
    PROBLEMS.append(f"{where}: {message}")


def pinned(image):
    """True when `image` names a fixed tag or a digest, not latest."""
    if "@sha256:" in image:
        return True
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return False
    tag = name.split(":", 1)[1]
    return bool(tag) and tag != "latest" and "$" not in tag


def bind_mounts(root, service):
    """(host path, container path) of each bind mount of `service`."""
    mounts = []
    for volume in service.get("volumes", []) or []:
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append((os.path.join(root, volume["source"]), volume["target"]))
            continue
        source, _, rest = volume.partition(":")
        if source.startswith((".", "/")):
            mounts.append((os.path.normpath(os.path.join(root, source)), rest.split(":")[0]))
    return mounts


def named_volumes(service):
    names = []
    for volume in service.get("volumes", []) or []:
        source = volume.get("source", "") if isinstance(volume, dict) else volume.partition(":")[0]
        if source and not source.startswith((".", "/")):
            names.append(source)
    return names


def strings_of(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)


def check_referenced_files(where, service, mounts):
    """Absolute paths in command/environment that fall inside a bind mount."""
    texts = list(strings_of(service.get("command", []))) + list(strings_of(service.get("environment", {})))
    for text in texts:
        for path in re.findall(r"(/[\w.\-/]+\.(?:ya?ml|json|conf))", text):
            for host, container in mounts:
                if path == container or path.startswith(container.rstrip("/") + "/"):
                    host_path = host if path == container else os.path.join(host, os.path.relpath(path, container))
                    if not os.path.exists(host_path):
                        problem(where, f"{path} is {host_path} on the host, which does not exist")


def check_healthcheck(where, service):
    check = service.get("healthcheck")
    if not check or check.get("disable"):
        problem(where, "no healthcheck")
        return False
    test = check.get("test")
    if not test or test == ["NONE"]:
        problem(where, "healthcheck has no test command")
        return False
    return True


def check_service(root, name, service, services, declared_volumes):
    where = f"docker-compose.yml service {name}"
    image = service.get("image")
    if "build" in service:
        build = service["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        if not os.path.isfile(os.path.join(root, context, dockerfile)):
            problem(where, f"build context {context} has no {dockerfile}")
    elif not image:
        problem(where, "neither image nor build")
    elif not pinned(image):
        problem(where, f"image {image} is not pinned to a version tag or digest")
    check_healthcheck(where, service)
    for dependency, condition in (service.get("depends_on") or {}).items():
        if dependency not in services:
            problem(where, f"depends on unknown service {dependency}")
        elif (condition or {}).get("condition") != "service_healthy":
            problem(where, f"depends_on {dependency} does not wait for condition: service_healthy")
        elif not services[dependency].get("healthcheck"):
            problem(where, f"waits for {dependency} to be healthy, but it has no healthcheck")
    mounts = bind_mounts(root, service)
    for host, _ in mounts:
        if not os.path.exists(host):
            problem(where, f"bind mount source {os.path.relpath(host, root)} does not exist")
    for volume in named_volumes(service):
        if volume not in declared_volumes:
            problem(where, f"volume {volume} is not declared under top-level volumes")
    check_referenced_files(where, service, mounts)


def check_prometheus_rules(root):
    config_path = os.path.join(root, "infra/prometheus/prometheus.yml")
    with open(config_path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    for rule_file in config.get("rule_files", []):
        if not os.path.isfile(os.path.join(os.path.dirname(config_path), rule_file)):
            problem("infra/prometheus/prometheus.yml", f"rule file {rule_file} does not exist")


def check_compose(root):
    with open(os.path.join(root, "docker-compose.yml"), encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose.get("services") or {}
    if not services:
        problem("docker-compose.yml", "no services")
    declared = set((compose.get("volumes") or {}).keys())
    for name, service in services.items():
        check_service(root, name, service, services, declared)
    check_prometheus_rules(root)
    return services


def dockerignored(root, path):
    ignore = os.path.join(root, ".dockerignore")
    if not os.path.isfile(ignore):
        return False
    with open(ignore, encoding="utf-8") as f:
        patterns = [line.strip().rstrip("/") for line in f if line.strip() and not line.startswith("#")]
    return any(fnmatch.fnmatch(path.rstrip("/"), pattern) for pattern in patterns if not pattern.startswith("!"))


def dockerfile_instructions(path):
    """(instruction, arguments) pairs, continuation lines joined."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"\\\n", " ", f.read())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            result.append((instruction.upper(), args.strip()))
    return result


def check_build_inputs(root, copied):
    """Every top-level folder the root CMakeLists.txt builds from is copied.

    tests/ and tools/ are left out: the image builds with
    FLAGMETER_BUILD_TESTS=OFF and tools/ only when it is present."""
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        text = f.read()
    needed = set(re.findall(r"\$\{PROJECT_SOURCE_DIR\}/([\w.-]+)", text))
    needed |= {path.split("/")[0] for path in re.findall(r"include\((cmake/[\w./-]+)\)", text)}
    for folder in sorted(needed - {"tests", "tools"}):
        if folder not in copied:
            problem("Dockerfile", f"CMakeLists.txt builds from {folder}/, which no COPY brings into the image")


def check_dockerfile(root):
    where = "Dockerfile"
    copied = set()
    stages = []  # per stage: {"base", "user", "healthcheck"}
    for instruction, args in dockerfile_instructions(os.path.join(root, "Dockerfile")):
        if instruction == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            stages.append({"base": words[0], "user": None, "healthcheck": None})
            if not pinned(words[0]) and words[0] not in (s.get("name") for s in stages):
                problem(where, f"FROM {words[0]} is not pinned to a version tag or digest")
            if len(words) >= 3 and words[1].upper() == "AS":
                stages[-1]["name"] = words[2]
        elif instruction == "COPY" and "--from=" not in args:
            sources = [w for w in shlex.split(args) if not w.startswith("--")][:-1]
            for source in sources:
                copied.add(source.strip("./").split("/")[0])
                if not os.path.exists(os.path.join(root, source)):
                    problem(where, f"COPY source {source} does not exist")
                elif dockerignored(root, source):
                    problem(where, f"COPY source {source} is excluded by .dockerignore")
        elif instruction == "USER" and stages:
            stages[-1]["user"] = args
        elif instruction == "HEALTHCHECK" and stages:
            stages[-1]["healthcheck"] = args
    check_build_inputs(root, copied)
    if len(stages) < 2:
        problem(where, "not multi-stage: the runtime image should not carry the compilers")
        return
    final = stages[-1]
    if not final["base"].startswith("debian:") or "slim" not in final["base"]:
        problem(where, f"runtime stage is FROM {final['base']}, expected a Debian slim image")
    if final["user"] in (None, "root", "0") or (final["user"] or "").startswith(("root:", "0:")):
        problem(where, "runtime stage does not switch to a non-root USER")
    if not final["healthcheck"] or "/api/health" not in final["healthcheck"]:
        problem(where, "runtime stage has no HEALTHCHECK on /api/health")


def check_workflow(root):
    where = ".github/workflows/ci.yml"
    with open(os.path.join(root, where), encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    for job_name, job in (workflow.get("jobs") or {}).items():
        for step in job.get("steps", []):
            for script in re.findall(r"(?:^|\s)((?:\./)?(?:scripts|\.ci)/[\w./-]+)", step.get("run", "")):
                if not os.access(os.path.join(root, script), os.X_OK):
                    problem(f"{where} job {job_name}", f"runs {script}, which is missing or not executable")


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../.."))
    services = check_compose(root)
    check_dockerfile(root)
    check_workflow(root)
    for line in PROBLEMS:
        print(line, file=sys.stderr)
    if PROBLEMS:
        print(f"{len(PROBLEMS)} problem(s) in the deployment files", file=sys.stderr)
        return 1
    print(f"docker-compose.yml ({len(services)} services), Dockerfile and ci.yml: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
