"""The platform definition: `platform.yaml` plus one YAML file per layer.

platform.yaml            name, stack_version, cloud, secrets, environments, teams, projects
layers/base.yaml         base layer (required)
layers/env/<env>.yaml    one per environment (optional)
layers/team/<team>.yaml  one per team (optional)
layers/project/<p>.yaml  one per project (optional)
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from zenml_tui.errors import Code, Diagnostic, Kind, ZenMLTUIError
from zenml_tui.platform.backends import problems as backend_problems
from zenml_tui.platform.errors import did_you_mean
from zenml_tui.platform.nodes import LIST, MAP, KeyPath, LayerRef, LNode, Mark, format_path
from zenml_tui.platform.yamlload import parse_file
from zenml_tui.zenml_vocab import COMPONENT_TYPES, ComponentType

if TYPE_CHECKING:  # at run time `_validator` provides them
    from pydantic import Field, StrictBool, StrictStr

PLATFORM_FILE = "platform.yaml"
STATE_DIR = ".zenml-tui"
_NAME = r"^[a-z][a-z0-9_-]{0,62}$"  # names become file names and ZenML object names
_WORKSPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
COLORS = ("green", "blue", "cyan", "magenta", "yellow", "orange", "red", "white")


# The platform.yaml model: frozen stdlib dataclasses, checked by a pydantic TypeAdapter
# built on first use. Showing a platform needs no pydantic (it costs ~90 ms to import,
# a sixth of the app's start-up): a platform.yaml whose content was checked before is
# read from a cache keyed by its SHA-256 (`_load_spec`). The annotations are strings
# (`from __future__ import annotations`) that pydantic resolves when the adapter is made.
_CONFIG = {"extra": "forbid"}  # a pydantic ConfigDict; StrictStr/StrictBool: no coercion
_IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"


@dataclass(frozen=True)
class RemoteServer:
    """A ZenML server reached over the network; its API key is read from `api_key_env`."""

    __pydantic_config__ = _CONFIG
    url: Annotated[StrictStr, Field(pattern=r"^https?://")]
    api_key_env: Annotated[StrictStr, Field(pattern=_IDENT)]


@dataclass(frozen=True)
class Backend:
    """Where a state lives (platform/backends.py): a Terraform backend type and its
    `-backend-config` values, secrets written as ${secret:NAME}."""

    __pydantic_config__ = _CONFIG
    type: Literal["local", "gcs", "s3", "pg", "azurerm", "http"] = "local"
    config: dict[StrictStr, StrictStr] = field(default_factory=dict)


@dataclass(frozen=True)
class Environment:
    __pydantic_config__ = _CONFIG
    workspace: Annotated[StrictStr, Field(pattern=_WORKSPACE.pattern)]
    server: Literal["local"] | RemoteServer = "local"
    protected: StrictBool = False
    color: Literal["green", "blue", "cyan", "magenta", "yellow", "orange", "red", "white"] = "blue"
    provider: Literal["bundled", "registry"] = "bundled"
    description: StrictStr = ""
    backend: Backend = field(default_factory=Backend)  # the registration state
    infrastructure_backend: Backend = field(default_factory=Backend)


@dataclass(frozen=True)
class Team:
    __pydantic_config__ = _CONFIG
    components: list[ComponentType] = field(default_factory=list)
    description: StrictStr = ""


@dataclass(frozen=True)
class Project:
    __pydantic_config__ = _CONFIG
    team: StrictStr
    description: StrictStr = ""


@dataclass(frozen=True)
class SecretSource:
    """Where a secret's value is read when Terraform runs: an environment variable."""

    __pydantic_config__ = _CONFIG
    env: Annotated[StrictStr, Field(pattern=_IDENT)]
    description: StrictStr = ""


@dataclass(frozen=True)
class PlatformFile:
    __pydantic_config__ = _CONFIG
    platform: Annotated[StrictStr, Field(pattern=_NAME)]
    stack_version: StrictStr
    environments: dict[Annotated[StrictStr, Field(pattern=_NAME)], Environment]
    cloud: Literal["gcp", "aws", "azure", "local"] = "gcp"
    secrets: dict[Annotated[StrictStr, Field(pattern=_IDENT)], SecretSource] = field(
        default_factory=dict
    )
    teams: dict[Annotated[StrictStr, Field(pattern=_NAME)], Team] = field(default_factory=dict)
    projects: dict[Annotated[StrictStr, Field(pattern=_NAME)], Project] = field(
        default_factory=dict
    )


# what a pattern means, for the error message
_PATTERN_MEANING = {
    _NAME: "a name of lowercase letters, digits, '-' and '_', starting with a letter (63 at most)",
    _IDENT: "an environment variable name (letters, digits and '_')",
    _WORKSPACE.pattern: "a Terraform workspace name uses letters, digits, '-', '_' and '.'",
    r"^https?://": "a URL starting with http:// or https://",
}
# the dataclass inside each field, to name the keys allowed where one is unknown
_NESTED: dict[type, dict[str, type]] = {
    PlatformFile: {
        "environments": Environment,
        "teams": Team,
        "projects": Project,
        "secrets": SecretSource,
    },
    Environment: {
        "server": RemoteServer,
        "backend": Backend,
        "infrastructure_backend": Backend,
    },
}
_ADAPTER: Any = None


def _validator() -> Any:
    global _ADAPTER
    if _ADAPTER is None:
        import pydantic

        # the names the string annotations use, resolved now by pydantic
        globals().update(
            Field=pydantic.Field, StrictStr=pydantic.StrictStr, StrictBool=pydantic.StrictBool
        )
        _ADAPTER = pydantic.TypeAdapter(PlatformFile)
    return _ADAPTER


def _from_plain(data: dict[str, Any]) -> PlatformFile:
    """The spec from data that passed validation before (the cache), without pydantic."""

    def env(e: dict[str, Any]) -> Environment:
        server = e.get("server", "local")
        fields: dict[str, Any] = {**e}
        fields["server"] = server if server == "local" else RemoteServer(**server)
        for k in ("backend", "infrastructure_backend"):
            if k in e:
                fields[k] = Backend(**e[k])
        return Environment(**fields)

    return PlatformFile(
        **{
            **data,
            "environments": {k: env(v) for k, v in data["environments"].items()},
            "secrets": {k: SecretSource(**v) for k, v in data.get("secrets", {}).items()},
            "teams": {k: Team(**v) for k, v in data.get("teams", {}).items()},
            "projects": {k: Project(**v) for k, v in data.get("projects", {}).items()},
        }
    )


@dataclass(frozen=True)
class Scope:
    """An environment, optionally narrowed to a team, optionally to one of its projects."""

    environment: str
    team: str | None = None
    project: str | None = None

    @property
    def label(self) -> str:
        if self.project:
            return f"project scope {self.environment}/{self.team}/{self.project}"
        if self.team:
            return f"team scope {self.environment}/{self.team}"
        return f"environment scope {self.environment}"

    @property
    def short(self) -> str:
        return "/".join(p for p in (self.environment, self.team, self.project) if p)


@dataclass
class Platform:
    """A loaded platform definition."""

    root: Path
    spec: PlatformFile
    marks: LNode  # platform.yaml's parsed tree, to locate later errors

    @property
    def name(self) -> str:
        return self.spec.platform

    @property
    def file(self) -> Path:
        return self.root / PLATFORM_FILE

    @property
    def state_dir(self) -> Path:
        """Where the app keeps runs, servers and caches for this platform."""
        return _state_dir(self.root)

    def layer_path(self, ref: LayerRef) -> Path:
        if ref.kind == "base":
            return self.root / "layers" / "base.yaml"
        return self.root / "layers" / ref.kind / f"{ref.name}.yaml"

    def layers_for(self, scope: Scope) -> list[LayerRef]:
        refs = [LayerRef("base"), LayerRef("env", scope.environment)]
        if scope.team:
            refs.append(LayerRef("team", scope.team))
        if scope.project:
            refs.append(LayerRef("project", scope.project))
        return refs

    def context(self, scope: Scope) -> dict[str, str | None]:
        return {
            "environment": scope.environment,
            "team": scope.team,
            "project": scope.project,
            "platform": self.spec.platform,
            "stack_version": self.spec.stack_version,
            "cloud": self.spec.cloud,
        }

    def scopes(self) -> list[Scope]:
        """Every scope: each environment, each team in it, each project in it."""
        out: list[Scope] = []
        for env in self.spec.environments:
            out.append(Scope(env))
            for team in self.spec.teams:
                out.append(Scope(env, team))
                for project, p in self.spec.projects.items():
                    if p.team == team:
                        out.append(Scope(env, team, project))
        return out

    def scope(self, environment: str, team: str | None = None, project: str | None = None) -> Scope:
        """A checked scope; raises ScopeError with a "did you mean" hint."""
        spec = self.spec
        if environment not in spec.environments:
            raise ScopeError(_unknown("environment", environment, spec.environments))
        if project is not None:
            if project not in spec.projects:
                raise ScopeError(_unknown("project", project, spec.projects))
            owner = spec.projects[project].team
            if team is not None and team != owner:
                raise ScopeError(f"project '{project}' belongs to team '{owner}', not '{team}'")
            team = owner
        if team is not None and team not in spec.teams:
            raise ScopeError(_unknown("team", team, spec.teams))
        return Scope(environment, team, project)

    def locate(self, path: KeyPath) -> tuple[int, int]:
        """line, col of a path in platform.yaml (the deepest part that exists)."""
        mark = _mark_at(self.marks, path)
        return mark.line, mark.col


def _state_dir(root: Path) -> Path:
    local = root / STATE_DIR
    if os.access(root, os.W_OK) and not _inside_package(root):
        return local
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    key = re.sub(r"[^A-Za-z0-9]+", "_", str(root.resolve())).strip("_")
    return base / "zenml-tui" / key


def _inside_package(path: Path) -> bool:
    """True for the example bundled in an installed wheel: never write state there."""
    from zenml_tui.bundled import bundled_root

    return bundled_root() in path.resolve().parents


class ScopeError(ZenMLTUIError, ValueError):
    """An unknown environment, team or project was asked for."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=Kind.USAGE)


def _unknown(kind: str, name: str, known: Any) -> str:
    hint = did_you_mean(name, known)
    return f"unknown {kind} '{name}'" + (f"; {hint}" if hint else f" (known: {', '.join(known)})")


def lnode_plain(node: LNode) -> Any:
    if node.kind == MAP:
        return {k: lnode_plain(v) for k, v in node.value.items()}
    if node.kind == LIST:
        return [lnode_plain(v) for v in node.value]
    return node.value


def load_platform(root: Path) -> tuple[Platform | None, list[Diagnostic]]:
    """Load and check platform.yaml and the layer directory's file names."""
    root = root.resolve()
    file = root / PLATFORM_FILE
    tree, errors, _ = parse_file(file, root)
    if tree is None:
        return None, errors
    for node in _tagged(tree):
        errors.append(
            Diagnostic(
                Code.MISPLACED_TAG,
                f"!{node.tag} belongs in layer files, not platform.yaml",
                str(file),
                node.mark.line,
                node.mark.col,
            )
        )
    spec, problems = _load_spec(root, lnode_plain(tree))
    if spec is None:
        for e in problems:
            # without the union's branch names (`literal['local']`, `RemoteServer`)
            loc = tuple(p for p in e["loc"] if not _union_tag(p))
            mark = _mark_at(tree, loc)
            path = format_path(list(loc))
            msg = e["msg"].replace("Input should be", "expected")
            if e["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
                parent_fields = _fields_at(loc[:-1])
                hint = did_you_mean(str(loc[-1]), parent_fields)
                msg = f"unknown key '{loc[-1]}'"
            elif e["type"] == "missing":
                msg, hint = f"'{path}' is required", ""
            else:
                hint = ""
                if e["type"] == "string_pattern_mismatch":
                    pattern = e.get("ctx", {}).get("pattern", "")
                    msg = f"expected {_PATTERN_MEANING.get(pattern, f'to match {pattern}')}"
                    if pattern == _WORKSPACE.pattern:
                        msg = _PATTERN_MEANING[pattern]
            errors.append(
                Diagnostic(
                    Code.PLATFORM_INVALID, msg, str(file), mark.line, mark.col, path, hint=hint
                )
            )
        return None, errors
    platform = Platform(root, spec, tree)
    errors.extend(_cross_checks(platform))
    return platform, errors


def _union_tag(segment: Any) -> bool:
    return isinstance(segment, str) and (
        segment.startswith(("[", "literal[")) or segment in ("RemoteServer",)
    )


def _load_spec(root: Path, plain: Any) -> tuple[PlatformFile | None, list[dict[str, Any]]]:
    """The validated spec, or pydantic's errors. Data validated before (the same data,
    the same model code) is built without pydantic: the cache holds a signature of what
    passed, made with the platform's own key, and nothing else (an edited cache is not
    trusted, and never supplies data)."""
    import json

    from zenml_tui.fsutil import signature, signed, write_atomic

    state = _state_dir(root)
    checked = (
        Path(__file__).read_bytes()
        + json.dumps(plain, sort_keys=True, default=lambda o: f"<{type(o).__name__}:{o}>").encode()
    )
    cache = state / "cache" / "platform-spec.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if isinstance(cached, dict) and signed(state, checked, cached.get("signature")):
            return _from_plain(plain), []
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # no cache, or not one we signed: validate
    from pydantic import ValidationError

    try:
        spec = _validator().validate_python(plain)
    except ValidationError as exc:
        return None, [dict(e) for e in exc.errors(include_url=False, include_input=False)]
    with contextlib.suppress(OSError):  # a read-only place: validate every time
        write_atomic(cache, json.dumps({"signature": signature(state, checked)}), mode=0o600)
    return spec, []


def _mark_at(tree: LNode, loc: KeyPath) -> Mark:
    """The mark of the deepest node along `loc`; for a final key, the key's own mark."""
    node = tree
    for i, seg in enumerate(loc):
        if node.kind == MAP and seg in node.value:
            if i == len(loc) - 1 and node.key_marks and seg in node.key_marks:
                return node.key_marks[seg]
            node = node.value[seg]
        elif node.kind == LIST and isinstance(seg, int) and seg < len(node.value):
            node = node.value[seg]
        else:
            break
    return node.mark


def _tagged(node: LNode) -> list[LNode]:
    out = [node] if node.tag else []
    if node.kind == MAP:
        for v in node.value.values():
            out.extend(_tagged(v))
    elif node.kind == LIST:
        for v in node.value:
            out.extend(_tagged(v))
    return out


def _fields_at(loc: KeyPath) -> list[str]:
    """The keys allowed at `loc` (for a "did you mean" on an unknown key)."""
    import dataclasses

    model: Any = PlatformFile
    for seg in loc:
        model = _NESTED.get(model, {}).get(seg, model) if isinstance(seg, str) else model
    return [f.name for f in dataclasses.fields(model)]


def _cross_checks(p: Platform) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    spec = p.spec
    file = str(p.file)
    for name, proj in spec.projects.items():
        if proj.team not in spec.teams:
            line, col = p.locate(("projects", name, "team"))
            out.append(
                Diagnostic(
                    Code.PLATFORM_INVALID,
                    f"project '{name}' names unknown team '{proj.team}'",
                    file,
                    line,
                    col,
                    f"projects.{name}.team",
                    hint=did_you_mean(proj.team, spec.teams),
                )
            )
    for name, team in spec.teams.items():
        dup = {c for c in team.components if team.components.count(c) > 1}
        if dup:
            line, col = p.locate(("teams", name, "components"))
            out.append(
                Diagnostic(
                    Code.PLATFORM_INVALID,
                    f"team '{name}' lists {', '.join(sorted(dup))} twice",
                    file,
                    line,
                    col,
                )
            )
    workspaces: dict[tuple[str, str], str] = {}
    for name, env in spec.environments.items():
        where = (env.workspace, repr(env.backend))  # one state per workspace of a backend
        if where in workspaces:
            line, col = p.locate(("environments", name, "workspace"))
            out.append(
                Diagnostic(
                    Code.PLATFORM_INVALID,
                    f"environments '{workspaces[where]}' and '{name}' share "
                    f"workspace '{env.workspace}'; each environment needs its own state",
                    file,
                    line,
                    col,
                )
            )
        workspaces[where] = name
        for field_name in ("backend", "infrastructure_backend"):
            backend = getattr(env, field_name)
            for key, message in backend_problems(backend.type, backend.config, set(spec.secrets)):
                path = ("environments", name, field_name, *(("config", key) if key else ()))
                line, col = p.locate(path)
                out.append(
                    Diagnostic(
                        Code.PLATFORM_INVALID,
                        f"environments.{name}.{field_name}: {message}",
                        file,
                        line,
                        col,
                        ".".join(path),
                    )
                )
    # layer files that name no environment, team or project
    known: dict[str, dict[str, object]] = {
        "env": dict(spec.environments),
        "team": dict(spec.teams),
        "project": dict(spec.projects),
    }
    layers = p.root / "layers"
    if not (layers / "base.yaml").is_file():
        out.append(
            Diagnostic(
                Code.FILE_MISSING,
                "the base layer layers/base.yaml is missing",
                str(layers / "base.yaml"),
                1,
                1,
                hint="every platform needs a base layer (it may be `{}`)",
            )
        )
    if layers.is_dir():
        for entry in sorted(layers.iterdir()):
            if entry.is_file() and entry.name != "base.yaml" and entry.suffix in (".yaml", ".yml"):
                out.append(
                    Diagnostic(
                        Code.UNKNOWN_LAYER,
                        f"'{entry.name}' is not a layer; layers are base.yaml and "
                        "env/, team/, project/ files",
                        str(entry),
                        1,
                        1,
                    )
                )
            elif entry.is_dir() and entry.name not in known:
                out.append(
                    Diagnostic(
                        Code.UNKNOWN_LAYER,
                        f"'layers/{entry.name}/' is not a layer directory",
                        str(entry),
                        1,
                        1,
                        hint=did_you_mean(entry.name, known) or "use env/, team/ or project/",
                    )
                )
        for kind, names in known.items():
            d = layers / kind
            if not d.is_dir():
                continue
            for f in sorted(d.iterdir()):
                if f.suffix == ".yml":
                    out.append(
                        Diagnostic(
                            Code.UNKNOWN_LAYER,
                            f"layer files end in .yaml: rename {f.name} to {f.stem}.yaml",
                            str(f),
                            1,
                            1,
                        )
                    )
                elif f.suffix == ".yaml" and f.stem not in names:
                    word = {"env": "environment"}.get(kind, kind)
                    out.append(
                        Diagnostic(
                            Code.UNKNOWN_LAYER,
                            f"layer for unknown {word} '{f.stem}' (not in platform.yaml)",
                            str(f),
                            1,
                            1,
                            hint=did_you_mean(f.stem, names) or f"add '{f.stem}' to platform.yaml",
                        )
                    )
    return out


def find_platform(explicit: str | os.PathLike[str] | None, cwd: Path | None = None) -> Path:
    """--platform DIR, else the current directory if it holds platform.yaml, else the
    bundled example."""
    if explicit:
        return Path(explicit)
    here = Path.cwd() if cwd is None else cwd
    if (here / PLATFORM_FILE).is_file():
        return here
    from zenml_tui.bundled import example_platform

    return example_platform()


__all__ = [
    "COLORS",
    "COMPONENT_TYPES",
    "Environment",
    "Platform",
    "PlatformFile",
    "Project",
    "Scope",
    "ScopeError",
    "Team",
    "find_platform",
    "load_platform",
]
