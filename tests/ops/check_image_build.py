#!/usr/bin/env python3
"""Builds the service image's binary the way `docker build` would, without a Docker engine.

    tests/ops/check_image_build.py [--static-only] [--work DIR] [REPO_ROOT]

1. Every package the Dockerfile's stages install exists in Debian 12 and can be
   installed together (`apt-get install --simulate`).
2. Unless --static-only: the build context is assembled in DIR (default
   build/image) from exactly the files the build stage COPYs, with
   .dockerignore applied as Docker applies it; the stage's own RUN commands
   (all but the package installs) run there with its ARG defaults
   (FLAGMETER_COMMIT set to the checkout's commit); the files the runtime
   stage copies from the build stage must then exist; the built binary must
   answer --help and --version.
3. Unless --static-only: every shared library the binary needs comes from a
   package the runtime stage installs, from one of their dependencies, or
   from the base image's own packages (Debian's required ones and apt's).

A missing COPY therefore fails at step 2, a missing runtime library at step 3.
Prints what it checked; exits 1 with the reason on the first failure.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dockerfile import Dockerfile, DockerIgnore  # noqa: E402


class Failure(Exception):
    pass


def log(message):
    print(f"[image] {message}", flush=True)


def run(command, **kwargs):
    return subprocess.run(command, text=True, capture_output=True, **kwargs)


def apt_simulate(packages, where):
    """Fails unless apt could install every package of `packages` here."""
    command = ["apt-get", "install", "--simulate", "--no-install-recommends", "-q", *packages]
    result = run(command, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if result.returncode != 0 and "Unable to locate package" in result.stderr:
        # A machine that never ran `apt-get update` has no package lists yet.
        run(["apt-get", "update", "-q"])
        result = run(command, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if result.returncode != 0:
        raise Failure(f"{where}: apt-get cannot install {' '.join(packages)}:\n{result.stderr.strip()}")
    log(f"{where}: {len(packages)} packages exist in Debian 12 and install together")


def assemble_context(root, dockerfile, stage, work):
    """Copies what `stage` COPYs from the context into `work` (its WORKDIR)."""
    ignore = DockerIgnore.load(root)
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    count = 0
    for copy in stage.copies():
        for source in copy.sources:
            if any(c in source for c in "*?["):
                raise Failure(f"Dockerfile: COPY {source}: wildcards are not reproduced by this check")
            relative = os.path.normpath(source).lstrip("/")
            if relative == ".":
                relative = ""
            path = os.path.join(root, relative)
            if not os.path.exists(path) or (relative and ignore.excluded(relative)):
                raise Failure(f"Dockerfile: COPY {source}: not in the build context"
                              + (" (excluded by .dockerignore)" if os.path.exists(path) else ""))
            destination = os.path.normpath(os.path.join(work, copy.destination.lstrip("/")))
            if os.path.isdir(path):
                count += copy_tree(root, relative, destination, ignore)
            else:
                if copy.destination.endswith("/"):
                    destination = os.path.join(destination, os.path.basename(relative))
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                shutil.copy2(path, destination)
                count += 1
    log(f"build context: {count} files from {len(stage.copies())} COPY instructions, .dockerignore applied")


def copy_tree(root, relative, destination, ignore):
    count = 0
    for directory, subdirectories, files in os.walk(os.path.join(root, relative)):
        inside = os.path.relpath(directory, root)
        subdirectories[:] = [d for d in subdirectories if not ignore.excluded(os.path.join(inside, d))]
        for name in files:
            context_path = os.path.normpath(os.path.join(inside, name))
            if ignore.excluded(context_path):
                continue
            target = os.path.join(destination, os.path.relpath(context_path, relative or "."))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(root, context_path), target)
            count += 1
    return count


def git_commit(root):
    result = run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"])
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def replay_build(stage, work, commit):
    env = {**os.environ, **stage.arg_defaults(), "FLAGMETER_COMMIT": commit}
    env.update(stage.env())
    for command in stage.runs():
        if "apt-get" in command:
            continue  # package installs: checked against Debian's archive instead
        log(f"RUN {command[:100]}{'...' if len(command) > 100 else ''}")
        result = subprocess.run(["/bin/sh", "-c", command], cwd=work, env=env)
        if result.returncode != 0:
            raise Failure(f"Dockerfile build stage: RUN failed with status {result.returncode}: {command}")


def check_binary(runtime, build_stage_name, build_workdir, work, commit):
    """The runtime stage's COPY --from=<build stage> sources exist; returns the binary."""
    binary = None
    for copy in runtime.copies(from_stage=build_stage_name):
        for source in copy.sources:
            if not source.startswith(build_workdir.rstrip("/") + "/"):
                raise Failure(f"Dockerfile: COPY --from={build_stage_name} {source} is outside WORKDIR {build_workdir}")
            path = os.path.join(work, os.path.relpath(source, build_workdir))
            if not os.path.exists(path):
                raise Failure(f"Dockerfile: COPY --from={build_stage_name} {source}: the build stage made no such file")
            if os.path.basename(path) == "flagmeter":
                binary = path
    if binary is None:
        raise Failure("Dockerfile: the runtime stage copies no flagmeter binary from the build stage")
    help_text = run([binary, "--help"])
    if help_text.returncode != 0 or "PORT" not in help_text.stdout:
        raise Failure(f"{binary} --help failed ({help_text.returncode}): {help_text.stderr}")
    version = run([binary, "--version"])
    if version.returncode != 0 or f"(commit {commit})" not in version.stdout:
        raise Failure(f"{binary} --version printed {version.stdout!r}, expected commit {commit}")
    log(f"built binary answers --help ({len(help_text.stdout.splitlines())} lines) and --version: "
        f"{version.stdout.strip()}")
    return binary


def dependency_closure(packages):
    """`packages` and everything they depend on (Depends and PreDepends), recursively."""
    result = run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                  "--no-breaks", "--no-replaces", "--no-enhances", *packages])
    names = set(packages)
    for line in result.stdout.splitlines():
        line = line.strip()
        match = re.match(r"^(?:\|?(?:Pre)?Depends: )?<?([a-z0-9][a-z0-9+.-]+)>?$", line)
        if match:
            names.add(match.group(1))
    return names


def base_image_packages():
    """What debian:12-slim has before any install: Debian's required packages and apt."""
    listed = run(["dpkg-query", "-W", "-f", "${Package} ${Priority}\n"]).stdout.split("\n")
    required = [line.split()[0] for line in listed if line.endswith(" required")]
    return dependency_closure(required + ["apt"])


def check_runtime_libraries(binary, runtime_packages):
    provided = dependency_closure(runtime_packages) | base_image_packages()
    libraries = re.findall(r"=> (/\S+) \(", run(["ldd", binary]).stdout)
    missing = []
    for library in libraries:
        owner = run(["dpkg-query", "-S", os.path.realpath(library)])
        if owner.returncode != 0:
            owner = run(["dpkg-query", "-S", library])
        if owner.returncode != 0:
            missing.append(f"{library} (no Debian package owns it)")
            continue
        package = owner.stdout.split(":")[0].strip()
        if package not in provided:
            missing.append(f"{library} (package {package})")
    if missing:
        raise Failure("the runtime stage lacks shared libraries the binary needs: " + ", ".join(missing))
    log(f"runtime stage provides all {len(libraries)} shared libraries of the binary")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--static-only", action="store_true", help="only check the packages (no build)")
    parser.add_argument("--work", default=None, help="folder for the context and the build (default build/image)")
    parser.add_argument("root", nargs="?", default=os.path.join(os.path.dirname(__file__), "../.."))
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    work = os.path.abspath(args.work or os.path.join(root, "build/image"))
    try:
        dockerfile = Dockerfile.load(os.path.join(root, "Dockerfile"))
        if len(dockerfile.stages) < 2:
            raise Failure("Dockerfile: expected a build stage and a runtime stage")
        build, runtime = dockerfile.stages[0], dockerfile.stages[-1]
        for stage in dockerfile.stages:
            packages = stage.apt_packages()
            if packages:
                apt_simulate(packages, f"Dockerfile stage {stage.name or stage.base}")
        if args.static_only:
            return 0
        if not build.workdir:
            raise Failure("Dockerfile: the build stage sets no WORKDIR before its COPYs")
        context = os.path.join(work, "context")
        assemble_context(root, dockerfile, build, context)
        commit = git_commit(root)
        replay_build(build, context, commit)
        binary = check_binary(runtime, build.name, build.workdir, context, commit)
        check_runtime_libraries(binary, runtime.apt_packages())
    except Failure as failure:
        print(f"[image] FAILED: {failure}", file=sys.stderr)
        return 1
    log("the image's build stage builds from its own COPYs and the runtime stage can run the result")
    return 0


if __name__ == "__main__":
    sys.exit(main())
