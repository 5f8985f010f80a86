"""A small in-memory triple index: the part of rdflib's Graph API the crosswalks use.

Rendering a record for dissemination (OLAC, oai_dc, DCAT-AP) reads and rewrites a few dozen
triples. rdflib's Memory store costs about 30 µs per ``add`` (it keeps three indexes plus
contexts); this index costs about 1 µs, so the crosswalks can run on every record write. It
supports exactly what they call: ``add``, ``remove``, ``triples``, ``in``, iteration, ``len``,
``objects``, ``subjects``, ``predicate_objects``, ``subject_objects`` and ``value``, with
rdflib's meaning (``None`` is a wildcard). Iteration follows insertion order, so the same
input always gives the same output. Results are materialised, so callers may change the index
while walking a result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib.term import Node

Triple = tuple[Node, Node, Node]
_NONE: dict = {}  # an empty index level (never modified)
Pattern = tuple[Node | None, Node | None, Node | None]


class TripleIndex:
    """A set of triples indexed by subject and by predicate."""

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        self._spo: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._pos: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._count = 0
        for triple in triples:
            self.add(triple)

    def add(self, triple: Triple) -> None:
        """Adds ``triple`` (once: adding it again changes nothing)."""
        s, p, o = triple
        by_p = self._spo.get(s)
        if by_p is None:
            by_p = self._spo[s] = {}
        objects = by_p.get(p)
        if objects is None:
            objects = by_p[p] = {}
        elif o in objects:
            return
        objects[o] = None
        by_o = self._pos.get(p)
        if by_o is None:
            by_o = self._pos[p] = {}
        subjects = by_o.get(o)
        if subjects is None:
            by_o[o] = {s: None}
        else:
            subjects[s] = None
        self._count += 1

    def remove(self, pattern: Pattern) -> None:
        """Removes every triple matching ``pattern``."""
        for s, p, o in self.triples(pattern):
            del self._spo[s][p][o]
            del self._pos[p][o][s]
            self._count -= 1
            _prune(self._spo, s, p)
            _prune(self._pos, p, o)

    def triples(self, pattern: Pattern) -> Iterator[Triple]:
        """Every triple matching ``pattern`` (a materialised list, safe to change under)."""
        s, p, o = pattern
        if s is not None:
            found = self._by_subject(s, p, o)
        elif p is not None:
            by_o = self._pos.get(p, {})
            found = [(subj, p, obj) for obj in ([o] if o is not None else list(by_o))
                     for subj in by_o.get(obj, {})]
        else:
            found = [(subj, pred, obj) for subj, by_p in self._spo.items()
                     for pred, objects in by_p.items() for obj in objects
                     if o is None or obj == o]
        return iter(found)

    def _by_subject(self, s: Node, p: Node | None, o: Node | None) -> list[Triple]:
        by_p = self._spo.get(s, {})
        predicates = [p] if p is not None else list(by_p)
        found = []
        for pred in predicates:
            objects = by_p.get(pred, {})
            if o is None:
                found.extend((s, pred, obj) for obj in objects)
            elif o in objects:
                found.append((s, pred, o))
        return found

    def copy(self) -> TripleIndex:
        """A new index holding the same triples (in the same order), without re-hashing them
        one by one: the inner dicts are copied whole."""
        twin = TripleIndex()
        twin._spo = {s: {p: dict(objects) for p, objects in by_p.items()}
                     for s, by_p in self._spo.items()}
        twin._pos = {p: {o: dict(subjects) for o, subjects in by_o.items()}
                     for p, by_o in self._pos.items()}
        twin._count = self._count
        return twin

    def indexes(self) -> tuple[dict[Node, dict[Node, dict[Node, None]]],
                               dict[Node, dict[Node, dict[Node, None]]]]:
        """The subject → predicate → objects and predicate → object → subjects indexes, in
        place (the SHACL engine reads them; never modify them)."""
        return self._spo, self._pos

    def __contains__(self, pattern: Pattern) -> bool:
        return next(self.triples(pattern), None) is not None

    def __iter__(self) -> Iterator[Triple]:
        return self.triples((None, None, None))

    def __len__(self) -> int:
        return self._count

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        if subject is not None and predicate is not None:  # the common case: one lookup
            return iter(list(self._spo.get(subject, _NONE).get(predicate, _NONE)))
        return iter([o for _, _, o in self.triples((subject, predicate, None))])

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:
        return iter([s for s, _, _ in self.triples((None, predicate, object))])

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return iter([(p, o) for _, p, o in self.triples((subject, None, None))])

    def subject_objects(self, predicate: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return iter([(s, o) for s, _, o in self.triples((None, predicate, None))])

    def value(self, subject: Node | None = None, predicate: Node | None = None,
              object: Node | None = None, default: Node | None = None) -> Node | None:
        """The first object of (subject, predicate), or with no subject the first subject of
        (predicate, object); ``default`` when there is none (rdflib's ``any=True``)."""
        if object is None:
            return next(self.objects(subject, predicate), default)
        return next(self.subjects(predicate, object), default)


def _prune(index: dict, first: Node, second: Node) -> None:
    """Drops emptied inner dicts so that lookups stay cheap and iteration stays exact."""
    if not index[first][second]:
        del index[first][second]
        if not index[first]:
            del index[first]
