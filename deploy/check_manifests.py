"""Check that the deployment files agree with each other and with the processes' contract.

There is no container engine or cluster where this runs, so a wrong port, a misspelt variable
prefix or a Secret key nobody defines would only show up in production. This reads the
Dockerfiles, docker-compose.yml and every Kubernetes YAML and fails on any disagreement.
Run by deploy/check.sh; exits 1 with one line per problem.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
# Inside a container a process must listen on every interface, or nothing outside it reaches it.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104


@dataclass(frozen=True)
class Process:
    name: str
    package_dir: str
    port: int

    @property
    def prefix(self) -> str:
        return f"IDEAFLOW_{self.name.upper()}_"

    @property
    def console_script(self) -> str:
        return f"ideaflow-{self.name}"


PROCESSES = (
    Process("ideas", "services/ideas", 8001),
    Process("experiments", "services/experiments", 8002),
    Process("feedback", "services/feedback", 8003),
    Process("gateway", "gateway", 8000),
)


def load_k8s_documents(paths: list[Path], problems: list[str]) -> list[dict[str, Any]]:
    documents = []
    for path in paths:
        try:
            loaded = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError as error:
            problems.append(f"{path.name}: not valid YAML: {error}")
            continue
        for document in loaded:
            if path.name == "kustomization.yaml":
                continue
            if not all(key in document for key in ("apiVersion", "kind", "metadata")):
                problems.append(f"{path.name}: a document lacks apiVersion, kind or metadata")
                continue
            documents.append(document)
    return documents


def find(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    return matches[0] if matches else {}


def env_names(container: dict[str, Any]) -> dict[str, Any]:
    return {variable["name"]: variable for variable in container.get("env", [])}


def check_deployment(process: Process, documents: list[dict[str, Any]], problems: list[str]) -> None:
    deployment = find(documents, "Deployment", process.name)
    if not deployment:
        problems.append(f"k8s: no Deployment {process.name}")
        return
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    where = f"k8s Deployment {process.name}"
    if deployment["spec"].get("replicas") != 2:
        problems.append(f"{where}: replicas is not 2")
    if container.get("command") != [process.console_script, "serve"]:
        problems.append(f"{where}: command is not [{process.console_script}, serve]")
    if [port["containerPort"] for port in container.get("ports", [])] != [process.port]:
        problems.append(f"{where}: containerPort is not {process.port}")
    if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
        problems.append(f"{where}: readiness probe is not /readyz")
    if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
        problems.append(f"{where}: liveness probe is not /healthz")
    if not {"requests", "limits"} <= set(container.get("resources", {})):
        problems.append(f"{where}: resource requests or limits missing")
    if not pod.get("securityContext", {}).get("runAsNonRoot"):
        problems.append(f"{where}: runAsNonRoot is not set")
    if not container.get("securityContext", {}).get("readOnlyRootFilesystem"):
        problems.append(f"{where}: root filesystem is writable")
    env = env_names(container)
    check_prefix(where, process, env, problems)
    for setting in ("ENVIRONMENT", "DATABASE_URL", "INTERNAL_TOKEN_SECRET"):
        if f"{process.prefix}{setting}" not in env:
            problems.append(f"{where}: {process.prefix}{setting} is not set")
    if env.get(f"{process.prefix}PORT", {}).get("value") != str(process.port):
        problems.append(f"{where}: {process.prefix}PORT is not {process.port}")
    if env.get(f"{process.prefix}HOST", {}).get("value") != ALL_INTERFACES:
        problems.append(f"{where}: {process.prefix}HOST is not {ALL_INTERFACES}")

    service = find(documents, "Service", process.name)
    if [port["port"] for port in service.get("spec", {}).get("ports", [])] != [process.port]:
        problems.append(f"k8s Service {process.name}: port is not {process.port}")

    job = find(documents, "Job", f"{process.name}-migrate")
    if not job:
        problems.append(f"k8s: no Job {process.name}-migrate")
        return
    (job_container,) = job["spec"]["template"]["spec"]["containers"]
    if job_container.get("command") != [process.console_script, "migrate"]:
        problems.append(f"k8s Job {process.name}-migrate: command is not [{process.console_script}, migrate]")
    # The migrate command loads the same settings as serve, so it needs every one of them.
    serving_only = {f"{process.prefix}HOST", f"{process.prefix}PORT"}
    if set(env) - serving_only != set(env_names(job_container)):
        problems.append(f"k8s Job {process.name}-migrate: its environment differs from the Deployment's")


def check_prefix(where: str, process: Process, env: dict[str, Any], problems: list[str]) -> None:
    for name in env:
        if not name.startswith(process.prefix):
            problems.append(f"{where}: {name} lacks the prefix {process.prefix}")


def check_references(documents: list[dict[str, Any]], problems: list[str]) -> None:
    """Every ConfigMap and Secret key a container reads is defined (the Secret by its example)."""
    config = find(documents, "ConfigMap", "ideaflow-config").get("data", {})
    secret = yaml.safe_load((K8S / "secret.example.yaml").read_text())["stringData"]
    defined = {"configMapKeyRef": ("ideaflow-config", config), "secretKeyRef": ("ideaflow-secrets", secret)}
    for document in documents:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        for container in document["spec"]["template"]["spec"]["containers"]:
            for variable in container.get("env", []):
                for ref_kind, reference in variable.get("valueFrom", {}).items():
                    name, keys = defined[ref_kind]
                    if reference["name"] != name or reference["key"] not in keys:
                        problems.append(
                            f"k8s {document['kind']} {document['metadata']['name']}: {variable['name']} reads "
                            f"{reference['name']}/{reference['key']}, which is not defined"
                        )
    for process in PROCESSES[:-1]:
        if config.get(f"{process.name}-url") != f"http://{process.name}:{process.port}":
            problems.append(f"k8s ConfigMap: {process.name}-url is not http://{process.name}:{process.port}")


def check_dockerfile(process: Process, problems: list[str]) -> None:
    path = ROOT / "deploy" / process.name / "Dockerfile"
    where = f"deploy/{process.name}/Dockerfile"
    if not path.exists():
        problems.append(f"{where}: missing")
        return
    text = path.read_text()
    expected = {
        f"EXPOSE {process.port}": "EXPOSE",
        f"{process.prefix}HOST={ALL_INTERFACES}": "HOST",
        f"{process.prefix}PORT={process.port}": "PORT",
        f"COPY {process.package_dir} ./{process.package_dir}": "package COPY",
        f"-c constraints.txt ./shared ./{process.package_dir}": "pinned install",
        f"{process.console_script} migrate && exec {process.console_script} serve": "start command",
        f"os.environ['{process.prefix}PORT']": "health check port",
    }
    for fragment, what in expected.items():
        if fragment not in text:
            problems.append(f"{where}: {what} wrong (expected {fragment!r})")
    if not re.search(r"^USER \d+:\d+$", text, re.MULTILINE):
        problems.append(f"{where}: no numeric non-root USER")


def check_compose(problems: list[str]) -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for process in PROCESSES:
        service = services.get(process.name, {})
        where = f"docker-compose.yml {process.name}"
        env = service.get("environment", {})
        check_prefix(where, process, env, problems)
        if str(env.get(f"{process.prefix}PORT")) != str(process.port):
            problems.append(f"{where}: {process.prefix}PORT is not {process.port}")
        if f"127.0.0.1:{process.port}/readyz" not in " ".join(service.get("healthcheck", {}).get("test", [])):
            problems.append(f"{where}: health check does not ask port {process.port}")
        if service.get("build", {}).get("dockerfile") != f"deploy/{process.name}/Dockerfile":
            problems.append(f"{where}: not built from deploy/{process.name}/Dockerfile")
    published = sorted(name for name, service in services.items() if "ports" in service)
    if published != ["gateway"]:
        problems.append(f"docker-compose.yml: published services are {published}, not only the gateway")


def main() -> None:
    problems: list[str] = []
    paths = sorted(K8S.glob("*.yaml"))
    documents = load_k8s_documents(paths, problems)
    for process in PROCESSES:
        check_deployment(process, documents, problems)
        check_dockerfile(process, problems)
    check_references(documents, problems)
    check_compose(problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise SystemExit(1)
    print(
        f"deploy: {len(paths)} Kubernetes YAML files parse; their {len(documents)} documents, "
        f"the {len(PROCESSES)} Dockerfiles and the compose file agree"
    )


if __name__ == "__main__":
    main()
