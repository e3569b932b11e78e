#!/usr/bin/env python3
"""Static checks of the deployment files, for machines without a Docker engine.

    tests/ops/check_deploy.py [REPO_ROOT]

docker-compose.yml: the YAML parses; every long-running service has a
healthcheck and a memory limit, and the limits add up to at most the seed's
2 GiB; every image tag is pinned (no :latest, no bare name); every depends_on
waits for service_healthy of a service that has a healthcheck; bind-mounted
host paths, build contexts, and files a service names inside a bind mount
(config files in its command or environment) exist; named volumes are
declared. The user paths of infra/load-test/README.md: the network is named
`flagmeter`, the API service is `api`, the `load` profile runs the k6 image
against http://api:3000; the API gets ADMIN_TOKEN, REQUIRE_API_KEYS and
WEBHOOK_SECRET; Valkey has a maxmemory with noeviction; PostgreSQL's initdb
scripts exist and the app and the exporter connect as their own roles.
Prometheus: rule_files exist and every scrape target is a compose service.
docker-compose.cluster.yml: the same service checks, plus what check_cluster_compose
lists (balancer, instances, cluster nodes, shards, per-instance scrapes).
Grafana provisioning: the dashboards path is mounted, the datasource's host is
a compose service.
Dockerfiles (the service's and infra/load-test's): every FROM pinned, COPY
sources exist in their context and are not excluded by .dockerignore; the
service's: multi-stage, every folder CMakeLists.txt builds from (given the
-DFLAGMETER_BUILD_<FOLDER>=OFF options of its cmake command) is copied, the
runtime stage runs as a non-root USER and has a HEALTHCHECK on /api/health.
tests/ops/check_image_build.py goes further and builds the image's binary.
.github/workflows/ci.yml: parses, and the scripts it runs exist.
Prints every problem found and exits 1 when there is any.
"""

import os
import re
import shlex
import sys
from urllib.parse import urlparse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dockerfile import Dockerfile, DockerIgnore  # noqa: E402

STACK_MEMORY_BUDGET_MIB = 2048  # the seed's whole stack: 2 GB

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


def check_service(root, name, service, services, declared_volumes, compose_file="docker-compose.yml"):
    where = f"{compose_file} service {name}"
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
    # A one-shot job (the load test, the cluster's creation) says so with
    # restart: "no"; it runs to completion instead of staying healthy.
    one_shot = str(service.get("restart")) == "no"
    if not one_shot:
        check_healthcheck(where, service)
        if memory_limit_mib(service) is None:
            problem(where, "no memory limit (deploy.resources.limits.memory)")
    for dependency, condition in (service.get("depends_on") or {}).items():
        if dependency not in services:
            problem(where, f"depends on unknown service {dependency}")
        elif str(services[dependency].get("restart")) == "no":
            if (condition or {}).get("condition") != "service_completed_successfully":
                problem(where, f"depends_on the one-shot {dependency} does not wait for "
                               "condition: service_completed_successfully")
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
    total = check_user_paths(root, services, compose)
    check_monitoring_targets(root, services)
    return services, total


def check_cluster_compose(root):
    """docker-compose.cluster.yml (docs/scaling.md): every service as above;
    the load balancer, named api, spreads over exactly the api-N instances of
    infra/nginx/flagmeter.conf; every instance uses the Valkey Cluster (a
    redis+cluster:// URL naming every node) with a sharded queue; every node
    runs in cluster mode with the AOF and noeviction; the one-shot job forms
    the cluster from every node; Prometheus scrapes every instance on its
    own; the load profile targets the balancer."""
    where = "docker-compose.cluster.yml"
    with open(os.path.join(root, where), encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose.get("services") or {}
    declared = set((compose.get("volumes") or {}).keys())
    for name, service in services.items():
        check_service(root, name, service, services, declared, compose_file=where)
    instances = sorted(name for name in services if re.fullmatch(r"api-\d+", name))
    nodes = sorted(name for name in services if re.fullmatch(r"valkey-\d+", name))
    if len(instances) < 2:
        problem(where, "fewer than two api-N instances: nothing to balance")
    if len(nodes) < 3:
        problem(where, "fewer than three valkey-N nodes: a cluster needs three masters")
    with open(os.path.join(root, "infra/nginx/flagmeter.conf"), encoding="utf-8") as f:
        upstream = sorted(re.findall(r"^\s*server\s+([\w.-]+):3000\b", f.read(), re.M))
    if upstream != instances:
        problem("infra/nginx/flagmeter.conf", f"upstream servers {upstream} are not the instances {instances}")
    balancer = services.get("api", {})
    if "nginx" not in str(balancer.get("image", "")):
        problem(f"{where} service api", "is not the nginx load balancer (clients and k6 call http://api:3000)")
    for name in instances:
        env = environment_of(services[name])
        url = str(env.get("VALKEY_URL", ""))
        if not url.startswith("redis+cluster://"):
            problem(f"{where} service {name}", f"VALKEY_URL {url!r} is not a redis+cluster:// URL")
        seeds = sorted(seed.rsplit(":", 1)[0] for seed in url.removeprefix("redis+cluster://").split(","))
        if seeds != nodes:
            problem(f"{where} service {name}", f"VALKEY_URL names {seeds}, not every node {nodes}")
        if int(str(env.get("QUEUE_SHARDS", "1"))) < 2:
            problem(f"{where} service {name}", "QUEUE_SHARDS below 2: one shard lives on one master")
    for name in nodes:
        command = [str(word) for word in services[name].get("command", [])]
        for flag, value in (("--cluster-enabled", "yes"), ("--appendonly", "yes"), ("--maxmemory-policy", "noeviction")):
            if flag not in command or command[command.index(flag) + 1] != value:
                problem(f"{where} service {name}", f"not run with {flag} {value}")
    script = os.path.join(root, "infra/valkey/create-cluster.sh")
    with open(script, encoding="utf-8") as f:
        listed = re.search(r'^nodes="([^"]*)"', f.read(), re.M)
    if not listed or sorted(listed.group(1).split()) != nodes:
        problem("infra/valkey/create-cluster.sh", f"does not form the cluster from every node {nodes}")
    with open(os.path.join(root, "infra/prometheus/prometheus-cluster.yml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    scraped = set()
    for job in config.get("scrape_configs", []):
        for static in job.get("static_configs", []):
            for target in static.get("targets", []):
                host = target.rsplit(":", 1)[0]
                if host != "localhost" and host not in services:
                    problem("infra/prometheus/prometheus-cluster.yml", f"job {job['job_name']} scrapes {target}: no such service")
                if job.get("job_name") == "flagmeter":
                    scraped.add(host)
    if sorted(scraped) != instances:
        problem("infra/prometheus/prometheus-cluster.yml", f"the flagmeter job scrapes {sorted(scraped)}, not each of {instances}")
    load = services.get("load-test", {})
    if environment_of(load).get("K6_BASE_URL") != "http://api:3000":
        problem(f"{where} service load-test", "K6_BASE_URL is not http://api:3000")
    return services


def memory_limit_mib(service):
    """The service's memory limit in MiB, or None."""
    limit = (((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}).get("memory")
    if limit is None:
        limit = service.get("mem_limit")
    if limit is None:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", str(limit).strip().lower())
    if not match:
        return None
    return float(match.group(1)) * {"": 1 / 2**20, "k": 1 / 1024, "m": 1, "g": 1024}[match.group(2)]


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return env


def check_user_paths(root, services, compose):
    """What infra/load-test/README.md and the README promise of the stack."""
    where = "docker-compose.yml"
    network = ((compose.get("networks") or {}).get("default") or {}).get("name")
    if network != "flagmeter":
        problem(where, "the default network must be named flagmeter (docker run --network=flagmeter flagmeter-load)")
    api = services.get("api")
    if api is None:
        problem(where, "no service named api (docker compose logs api; the API answers as api on the network)")
        return
    env = environment_of(api)
    for name in ("ADMIN_TOKEN", "REQUIRE_API_KEYS", "WEBHOOK_SECRET"):
        if name not in env or f"${{{name}:-}}" not in str(env[name]):
            problem(f"{where} service api", f"{name} is not passed through as ${{{name}:-}} (empty: off)")
    load = services.get("load-test")
    if load is None or "load" not in (load.get("profiles") or []):
        problem(where, "no load-test service in the load profile (docker compose --profile load up load-test)")
    else:
        build = load.get("build")
        context = build if isinstance(build, str) else (build or {}).get("context")
        if os.path.normpath(context or "") != "infra/load-test":
            problem(f"{where} service load-test", "does not build infra/load-test")
        if environment_of(load).get("K6_BASE_URL") != "http://api:3000":
            problem(f"{where} service load-test", "K6_BASE_URL is not http://api:3000")
        if "api" not in (load.get("depends_on") or {}):
            problem(f"{where} service load-test", "does not wait for api")
    valkey_command = [str(word) for word in services.get("valkey", {}).get("command", [])]
    if "--maxmemory" not in valkey_command or valkey_command[valkey_command.index("--maxmemory") + 1] in ("0", "0mb"):
        problem(f"{where} service valkey", "no --maxmemory: noeviction would mean nothing")
    if "noeviction" not in valkey_command:
        problem(f"{where} service valkey", "--maxmemory-policy is not noeviction: queued events could be evicted")
    postgres_env = environment_of(services.get("postgres", {}))
    superuser = postgres_env.get("POSTGRES_USER", "postgres")
    for service_name, variable in (("api", "DATABASE_URL"), ("postgres-exporter", "DATA_SOURCE_NAME")):
        url = urlparse(str(environment_of(services.get(service_name, {})).get(variable, "")))
        if not url.username or url.username == superuser:
            problem(f"{where} service {service_name}", f"{variable} connects as the superuser {superuser}")
    initdb = [host for host, container in bind_mounts(root, services.get("postgres", {}))
              if container == "/docker-entrypoint-initdb.d"]
    if not initdb or not any(name.endswith((".sh", ".sql")) for name in os.listdir(initdb[0])):
        problem(f"{where} service postgres", "no initdb scripts mounted at /docker-entrypoint-initdb.d")
    total = sum(memory_limit_mib(s) or 0 for s in services.values() if not s.get("profiles"))
    if total > STACK_MEMORY_BUDGET_MIB:
        problem(where, f"memory limits add up to {total:.0f} MiB, over the {STACK_MEMORY_BUDGET_MIB} MiB budget")
    return total


def check_monitoring_targets(root, services):
    """Prometheus scrapes, and Grafana queries, hosts that are compose services."""
    with open(os.path.join(root, "infra/prometheus/prometheus.yml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    for job in config.get("scrape_configs", []):
        for static in job.get("static_configs", []):
            for target in static.get("targets", []):
                host = target.rsplit(":", 1)[0]
                if host != "localhost" and host not in services:
                    problem("infra/prometheus/prometheus.yml", f"job {job['job_name']} scrapes {target}: no such service")
    grafana = services.get("grafana", {})
    mounts = dict((container, host) for host, container in bind_mounts(root, grafana))
    provisioning = os.path.join(root, "infra/grafana/provisioning")
    for folder in sorted(os.listdir(provisioning)):
        if f"/etc/grafana/provisioning/{folder}" not in mounts:
            problem("docker-compose.yml service grafana", f"provisioning folder {folder} is not mounted")
    for folder, name in (("dashboards", "providers"), ("datasources", "datasources")):
        for path in sorted(os.listdir(os.path.join(provisioning, folder))):
            with open(os.path.join(provisioning, folder, path), encoding="utf-8") as f:
                entries = (yaml.safe_load(f) or {}).get(name, [])
            where = f"infra/grafana/provisioning/{folder}/{path}"
            for entry in entries:
                dashboards = (entry.get("options") or {}).get("path")
                if dashboards and not any(dashboards == c or dashboards.startswith(c.rstrip("/") + "/") for c in mounts):
                    problem(where, f"dashboards path {dashboards} is not mounted into grafana")
                host = urlparse(entry.get("url", "")).hostname
                if host and host not in services:
                    problem(where, f"datasource url {entry['url']}: host {host} is no compose service")


def disabled_build_folders(dockerfile):
    """Folders the Dockerfile's cmake command turns off with -DFLAGMETER_BUILD_<FOLDER>=OFF."""
    folders = set()
    for stage in dockerfile.stages:
        for command in stage.runs():
            folders |= {m.lower() for m in re.findall(r"-DFLAGMETER_BUILD_([A-Z]+)=OFF", command)}
    return folders


def check_build_inputs(root, copied, disabled):
    """Every top-level folder the root CMakeLists.txt builds from is copied,
    except those the image's cmake command turns off."""
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        text = f.read()
    needed = set(re.findall(r"\$\{PROJECT_SOURCE_DIR\}/([\w.-]+)", text))
    needed |= set(re.findall(r"add_subdirectory\(([\w.-]+)\)", text))
    needed |= {path.split("/")[0] for path in re.findall(r"include\((cmake/[\w./-]+)\)", text)}
    for folder in sorted(needed - disabled):
        if folder not in copied:
            problem("Dockerfile", f"CMakeLists.txt builds from {folder}/, which no COPY brings into the image")


def check_copies(root, context, where, stage, ignore):
    copied = set()
    for copy in stage.copies():
        for source in copy.sources:
            copied.add(os.path.normpath(source).split("/")[0])
            if not os.path.exists(os.path.join(root, context, source)):
                problem(where, f"COPY source {source} does not exist")
            elif ignore.excluded(os.path.normpath(source)):
                problem(where, f"COPY source {source} is excluded by .dockerignore")
    return copied


def check_pinned_bases(where, dockerfile):
    names = {stage.name for stage in dockerfile.stages if stage.name}
    for stage in dockerfile.stages:
        if not pinned(stage.base) and stage.base not in names:
            problem(where, f"FROM {stage.base} is not pinned to a version tag or digest")


def check_dockerfile(root):
    where = "Dockerfile"
    dockerfile = Dockerfile.load(os.path.join(root, "Dockerfile"))
    check_pinned_bases(where, dockerfile)
    ignore = DockerIgnore.load(root)
    copied = set()
    for stage in dockerfile.stages:
        copied |= check_copies(root, ".", where, stage, ignore)
    check_build_inputs(root, copied, disabled_build_folders(dockerfile))
    if len(dockerfile.stages) < 2:
        problem(where, "not multi-stage: the runtime image should not carry the compilers")
        return
    final = dockerfile.stages[-1]
    user = next((args for instruction, args in reversed(final.instructions) if instruction == "USER"), None)
    healthcheck = next((args for instruction, args in final.instructions if instruction == "HEALTHCHECK"), "")
    if not final.base.startswith("debian:") or "slim" not in final.base:
        problem(where, f"runtime stage is FROM {final.base}, expected a Debian slim image")
    if user in (None, "root", "0") or user.startswith(("root:", "0:")):
        problem(where, "runtime stage does not switch to a non-root USER")
    if "/api/health" not in healthcheck:
        problem(where, "runtime stage has no HEALTHCHECK on /api/health")


def check_load_test_dockerfile(root):
    context = "infra/load-test"
    where = f"{context}/Dockerfile"
    dockerfile = Dockerfile.load(os.path.join(root, context, "Dockerfile"))
    check_pinned_bases(where, dockerfile)
    ignore = DockerIgnore.load(os.path.join(root, context))
    for stage in dockerfile.stages:
        check_copies(root, context, where, stage, ignore)
        entrypoint = next((args for instruction, args in stage.instructions if instruction == "ENTRYPOINT"), "")
        for path in re.findall(r"/home/k6/[\w.-]+", entrypoint):
            if not any(copy.destination == path for copy in stage.copies()):
                problem(where, f"ENTRYPOINT runs {path}, which no COPY puts there")
            elif not os.access(os.path.join(root, context, os.path.basename(path)), os.X_OK):
                problem(where, f"ENTRYPOINT runs {path}, whose source is not executable")


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
    services, total = check_compose(root)
    cluster_services = check_cluster_compose(root)
    check_dockerfile(root)
    check_load_test_dockerfile(root)
    check_workflow(root)
    for line in PROBLEMS:
        print(line, file=sys.stderr)
    if PROBLEMS:
        print(f"{len(PROBLEMS)} problem(s) in the deployment files", file=sys.stderr)
        return 1
    print(f"docker-compose.yml ({len(services)} services, memory limits {total or 0:.0f} MiB of "
          f"{STACK_MEMORY_BUDGET_MIB}), docker-compose.cluster.yml ({len(cluster_services)} services), "
          "both Dockerfiles and ci.yml: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
