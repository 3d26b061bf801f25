#!/usr/bin/python3
"""The rules of the house, checked on every #include of the source tree:

  rooms and what each may include (arrows run one way, so the room graph has no cycles):
    io                -> io
    distributed       -> distributed                 distributed/torch -> distributed
    models            -> models, io
    pipeline/core     -> core, io
    pipeline/catalogue, flat, sphere -> core, io, distributed
    pipeline/simulate -> core, catalogue, flat, sphere, io, distributed
    pipeline/survey   -> core, catalogue, flat, sphere, io, distributed
    pipeline/products -> every pipeline room below it, io, distributed, models/lofi_options.hpp (torch-free)
    pipeline/lofi     -> every pipeline room, models, distributed (and distributed/torch), io
    jobs              -> jobs, pipeline (not lofi), io, distributed
  library headers:
    torch (torch/, ATen/, c10/)  only in models/lofi_network.*, models/patch_sampler.*, models/field_model.*,
                                 pipeline/lofi/, distributed/torch/
    <mpi.h>                      only in .cpp files of distributed/ and io/
    fitsio.h, hdf5.h, cairo.h    only in io/ (.cpp files and io/detail/)
    HEALPix headers              only in .cpp files of pipeline/
  files: a file and its header (x.cpp, x.hpp) are one component; the components' includes form no cycle, inside a
    room as across rooms (x.cpp including y.hpp which includes x.hpp is an arrow running back up)
Tests, benchmarks and build plumbing (cmake/) may include anything. Exits 1 listing every violation.
Usage: include_rules.py SOURCE_ROOT"""
import pathlib
import re
import sys

ALLOWED = {
    "io": {"io"},
    "distributed": {"distributed"},
    "distributed/torch": {"distributed", "distributed/torch"},
    "models": {"models", "io"},
    "pipeline/core": {"pipeline/core", "io"},
    "pipeline/catalogue": {"pipeline/catalogue", "pipeline/core", "io", "distributed"},
    "pipeline/flat": {"pipeline/flat", "pipeline/core", "io", "distributed"},
    "pipeline/sphere": {"pipeline/sphere", "pipeline/core", "io", "distributed"},
    "pipeline/simulate": {"pipeline/simulate", "pipeline/core", "pipeline/catalogue", "pipeline/flat",
                          "pipeline/sphere", "io", "distributed"},
    "pipeline/survey": {"pipeline/survey", "pipeline/core", "pipeline/catalogue", "pipeline/flat",
                        "pipeline/sphere", "io", "distributed"},
    "pipeline/products": {"pipeline/products", "pipeline/core", "pipeline/catalogue", "pipeline/flat",
                          "pipeline/sphere", "pipeline/simulate", "pipeline/survey", "io", "distributed",
                          "models/options"},
    "pipeline/lofi": {"pipeline/lofi", "pipeline/products", "pipeline/core", "pipeline/catalogue", "pipeline/flat",
                      "pipeline/sphere", "pipeline/simulate", "pipeline/survey", "io", "distributed",
                      "distributed/torch", "models", "models/options"},
    "jobs": {"jobs", "pipeline/products", "pipeline/core", "pipeline/catalogue", "pipeline/flat", "pipeline/sphere",
             "pipeline/simulate", "pipeline/survey", "io", "distributed", "models/options"},
}
ROOMS = sorted(ALLOWED, key=len, reverse=True)
TORCH_ROOMS = ("pipeline/lofi/", "distributed/torch/", "models/lofi_network.", "models/patch_sampler.",
               "models/field_model.")
HEALPIX = re.compile(r"^(healpix_\w+|alm\w*|pointing|rangeset|error_handling|arr|vec3|xcomplex|powspec|"
                     r"healpix_map\w*|alm_healpix_tools|alm_powspec_tools|lsconstants)\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def room_of(rel):
    """The room of a source file or of a quoted include path ("models/options" for the torch-free options)."""
    if rel in ("models/lofi_options.hpp", "models/lofi_options.cpp"):
        return "models/options"
    for room in ROOMS:
        if rel.startswith(room + "/"):
            return room
    return None


def find_cycles(graph, label, problems):
    """Appends one problem per back edge found by a depth-first search of `graph` (node -> set of nodes)."""
    state = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                problems.append(f"include cycle between {label}: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif not state.get(nxt):
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if not state.get(node):
            visit(node, [node])


def component(rel):
    """x.cpp and x.hpp are one component, named by the path without its extension."""
    return rel.rsplit(".", 1)[0]


def check(root):
    problems, edges, file_edges = [], set(), {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".h") or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in ("build", "tests", "bench", "out", "cmake") or rel.startswith("."):
            continue
        room = room_of(rel)
        if room is None:
            problems.append(f"{rel}: not in any room")
            continue
        source = path.suffix == ".cpp"
        for kind, name in INCLUDE.findall(path.read_text(errors="replace")):
            if kind == '"' and not name.startswith("lofimap/"):  # lofimap/build_info.hpp is generated
                target = room_of(name)
                if target is None:
                    problems.append(f"{rel}: includes \"{name}\", which is in no room")
                    continue
                allowed = ALLOWED.get(room, {room}) | {"models/options"} if room.startswith("models") else ALLOWED[room]
                if room == "models/options":
                    allowed = {"models/options"}
                if target not in allowed:
                    problems.append(f"{rel} ({room}) may not include \"{name}\" ({target})")
                elif target != room:
                    edges.add((room, target))
                if component(name) != component(rel):
                    file_edges.setdefault(component(rel), set()).add(component(name))
            elif kind == "<":
                top = name.split("/")[0]
                if top in ("torch", "ATen", "c10") and not rel.startswith(TORCH_ROOMS):
                    problems.append(f"{rel}: torch header <{name}> outside the plugin's rooms")
                if name == "mpi.h" and not (source and room in ("distributed", "io")):
                    problems.append(f"{rel}: <mpi.h> outside the .cpp files of distributed/ and io/")
                if name in ("fitsio.h", "hdf5.h", "cairo.h") and not (room == "io" and (source or "/detail/" in rel)):
                    problems.append(f"{rel}: <{name}> outside io/")
                if HEALPIX.match(name) and not (source and rel.startswith("pipeline/")):
                    problems.append(f"{rel}: HEALPix header <{name}> outside the .cpp files of pipeline/")
    # The room graph must be acyclic (the table above makes it so; this guards edits to the table), and so must
    # the graph of files (components) inside and across rooms.
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    find_cycles(graph, "rooms", problems)
    find_cycles(file_edges, "files", problems)
    return problems, edges, file_edges


if __name__ == "__main__":
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems, edges, file_edges = check(root)
    for p in problems:
        print("VIOLATION", p)
    print(f"{len(edges)} room-to-room dependencies, "
          f"{sum(len(v) for v in file_edges.values())} file-to-file dependencies, {len(problems)} violations")
    sys.exit(1 if problems else 0)
