"""The repository: records in two areas of the triple store, work and public.

The **work** area holds every record in every state, with admin facts and raw payloads.
The **public** area holds only published revisions and tombstones; public readers (OAI-PMH,
SPARQL, search, record pages, exports) are given the public area and nothing else, so a draft
cannot leak through them by construction.

The **dissemination index** (:mod:`repository.disseminations`) holds every public record
pre-rendered for OAI-PMH, the **text index** (:mod:`repository.textindex`) their titles and
texts; the **review index** (:mod:`repository.workflow.index`) every record of the work area
for the back office's queues and lists, written with the work area. Every public change is
noted in the **journal** (:mod:`repository.journal`) first, then written to the work area, the
public area, the dissemination index and the text index in that order, and the note deleted;
a change cut short (the process killed) is finished from the work area when the home is next
opened (:meth:`Repository.finish`), so each record ends wholly before or wholly after it.
:mod:`repository.integrity` (``yuliao check``) finds and repairs any other disagreement.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from vocab.namespaces import DCT, YL

from .backends import open_area
from .config import Config
from .disseminations import Dissemination, Disseminations, rendering
from .errors import ConflictError, Gone, InputError, RepositoryError, StoreError
from .files.texts import Texts
from .journal import Intent, Journal, Kind
from .oai_sets import record_sets
from .outputs import compressed_if_gz, replacing
from .quality import record_quality
from .reader import read_record
from .rebase import FIRST_RECORD, check_base_uri
from .records import (
    PUBLIC_STATES,
    TAKEDOWN_UNDER_REVIEW,
    Identifiers,
    Record,
    catalogue_triples,
    content_hash,
    is_tombstone,
    next_datestamp,
    normalise_languages,
    parse_datestamp,
    split_record_graph,
    statements,
    statements_hash,
    tombstone_set_specs,
    tombstone_triples,
    utc_text,
)
from .renderings import render, render_tombstone
from .signing_key import signing_key
from .snapshots import Snapshots
from .store import Store, addition_update, replacement_update, statement
from .textindex import TextDocument, TextIndex, drop_older_layouts, epoch_seconds
from .workflow.index import ReviewIndex, Row, row_of_record

#: Statements added to other graphs of the work area in the same update as a record (the
#: workflow's history: :mod:`repository.workflow.history`).
Additions = Mapping[URIRef, list[str]]

LOG = logging.getLogger(__name__)
PUBLIC_PREFIX = "urn:yuliao:public:"
REINDEX_BATCH = 500
FLUSH_EVERY = 1000  # records written by batches between flushes of the stores
#: Attempts new_local_id makes before it gives up (each loses only to a concurrent one).
ID_ATTEMPTS = 50
#: Characters of a record's files' kept text the text index searches (their start).
FILE_TEXT_CHARACTERS = 20_000


class Repository:
    """Records stored under one home directory (or in memory when ``config.home`` is None).

    With ``create`` False the home must exist already (``yuliao init`` made it): a command
    given a mistyped home must not create one. Opening a home finishes the changes that
    processes which died left unfinished (listed in ``recovered``) and rebuilds a lost index,
    unless ``recover`` is False (``yuliao check`` looks before it repairs).

    Raises NotFound for a home that does not exist, StoreBusy when another process holds the
    embedded store, StoreError when a store cannot be opened or an unfinished change cannot be
    finished, and BaseURIMismatch (a ConflictError) when the home was made with another base
    URI than ``config.base_uri``; whatever was opened is closed again then.
    """

    def __init__(self, config: Config, *, in_memory: bool = False, create: bool = True,
                 recover: bool = True) -> None:
        self.config = config
        self.ids = Identifiers(config.base_uri, config.oai_repository_id)
        if not (in_memory or create):
            config.check_home()
        self._id_lock = threading.Lock()
        self._stalled: list[Intent] = []  # intents of this process whose change failed
        self._stalled_lock = threading.Lock()  # an import's two writer threads begin changes
        self._key: bytes | None = signing_key(None) if in_memory else None
        self.snapshots = None if in_memory else Snapshots(config.snapshot_dir)
        self.recovered: list[Intent] = []
        try:  # the first requests to a remote store: it may be down
            self.work = open_area(config, "work", in_memory=in_memory)
            self.public = open_area(config, "public", in_memory=in_memory)
            self.disseminations = Disseminations(None if in_memory else config.oai_index_path)
            if not in_memory:
                drop_older_layouts(config.text_index_path)
            self.text_index = TextIndex(None if in_memory else config.text_index_path)
            self.reviews = ReviewIndex(None if in_memory else config.review_index_path)
            self.journal = Journal(None if in_memory else config.journal_path)
            check_base_uri(self)
            if recover:
                self.recovered = self.recover()
                self._align_index()
        except BaseException:
            self.close()
            raise

    # -- identifiers -----------------------------------------------------------------------

    def new_local_id(self) -> str:
        """A fresh 8-digit local id, never handed out before in this repository, even when
        other processes share the store (the remote backend).

        Each attempt is one atomic update that raises the counter and records a claim of the
        new number under a random token; the claim wins when no other token claimed the same
        number (two updates evaluated at the same time can both read the old counter: Oxigraph
        0.5 does not detect that conflict) and no record has that id yet.
        Raises StoreError when the store fails or no id was won in ID_ATTEMPTS attempts.
        """
        floor = 1
        with self._id_lock:
            for _ in range(ID_ATTEMPTS):
                number = self._claim_local_id(floor)
                if number is None:
                    continue
                free = number
                while self.work.has_graph(self.ids.graph(f"{free:08d}")):
                    free += 1
                if free == number:
                    return f"{number:08d}"
                floor = free
        raise StoreError(f"no local id could be allocated in {ID_ATTEMPTS} attempts")

    def _claim_local_id(self, floor: int) -> int | None:
        """Raise the counter to max(counter + 1, ``floor``) and claim that number in one
        update; the number when this claim is its only one, else None. Raises StoreError."""
        base = self.config.base_uri
        counter, last = URIRef(f"{base}catalogue").n3(), YL.lastLocalId.n3()
        admin = URIRef(f"{base}graph/catalogue").n3()
        claims = URIRef(f"{base}graph/local-id-claims").n3()
        token = URIRef(f"urn:uuid:{uuid.uuid4()}").n3()
        self.work.update(f"""
            DELETE {{ GRAPH {admin} {{ {counter} {last} ?old }} }}
            INSERT {{ GRAPH {admin} {{ {counter} {last} ?next }}
                      GRAPH {claims} {{ {token} {last} ?next }} }}
            WHERE {{
              {{ SELECT (MAX(?n) AS ?top) WHERE {{
                   OPTIONAL {{ GRAPH {admin} {{ {counter} {last} ?n }} }} }} }}
              BIND(COALESCE(?top, 0) + 1 AS ?after)
              BIND(IF(?after > {floor}, ?after, {floor}) AS ?next)
              OPTIONAL {{ GRAPH {admin} {{ {counter} {last} ?old }} }}
            }}""")
        rows = self.work.select(f"""
            SELECT ?n (COUNT(DISTINCT ?other) AS ?claims) WHERE {{
              GRAPH {claims} {{ {token} {last} ?n . ?other {last} ?n }} }} GROUP BY ?n""")
        if len(rows) == 1 and int(rows[0]["claims"]) == 1:
            return int(rows[0]["n"])
        return None

    # -- reading ---------------------------------------------------------------------------

    def get(self, local_id: str, *, public: bool = False) -> Record:
        """The record ``local_id`` from the work area (or the public area).

        Raises NotFound when there is no such record and Gone when only a tombstone remains.
        """
        return read_record(self.public if public else self.work, self.ids, local_id)

    def raw(self, local_id: str) -> bytes | None:
        """The payload record ``local_id`` was imported from, if any (work area only)."""
        node = self.ids.catalogue_record(local_id)
        for o in self.work.graph(self.ids.raw_graph(local_id)).objects(node, YL.rawPayload):
            return str(o).encode("utf-8")
        return None

    def exists(self, local_id: str) -> bool:
        return self.work.has_graph(self.ids.graph(local_id))

    def local_ids(self, *, public: bool = False) -> list[str]:
        """Local ids of the records in an area (tombstones included), sorted."""
        store = self.public if public else self.work
        rows = store.select(
            "SELECT ?id WHERE { GRAPH ?g { ?r <https://w3id.org/yuliao/ns#localId> ?id } }"
        )
        return sorted({str(row["id"]) for row in rows})

    def published(self) -> Iterator[Record]:
        """Every published record of the public area (tombstones skipped)."""
        for local_id in self.local_ids(public=True):
            try:
                yield self.get(local_id, public=True)
            except Gone:
                continue

    # -- writing ---------------------------------------------------------------------------

    def put(self, record: Record, *, add: Additions | None = None) -> Record:
        """Save ``record`` as a new revision in the work area (with the statements ``add``
        holds added to other work graphs in the same update); returns what was stored.

        The public area is not touched: publishing is a separate step (:meth:`publish`).
        Journaled, like the review index row written after it. Raises StoreError when the
        write fails; the previous revision then stays.
        """
        previous = self._current(record.id)
        normalise_languages(record.graph)
        stored = record.with_(
            revision=(previous.revision if previous else 0) + 1,
            issued=previous.issued if previous else record.issued,
            datestamp=previous.datestamp if previous else record.datestamp,
            content_hash=content_hash(record.graph),
        )
        graphs: dict[URIRef, list[str] | None] = {self.ids.graph(record.id): self._lines(stored)}
        if record.raw is not None:
            graphs[self.ids.raw_graph(record.id)] = self._raw_lines(record)
        with self._journaled("write", [record.id]):
            self._write_work(graphs, add)
            self._review([record.id])
        return stored

    def publish(self, local_id: str, *, add: Additions | None = None) -> Record:
        """Make the work revision of ``local_id`` public, with a new datestamp (``add`` as for
        :meth:`put`).

        Journaled: the work area records the state first, then the public area and the indexes
        follow it. Raises NotFound for an unknown record and StoreError when a write fails.
        """
        record = self.get(local_id)
        public = self._public_datestamp(local_id)
        stamp = next_datestamp(max(filter(None, (public, record.datestamp)), default=None))
        published = record.with_(state="published", datestamp=stamp, issued=record.issued or stamp)
        row = render(published, self.ids)
        published = published.with_(quality=row.facets.quality)
        full = self._lines(published)
        with self._journaled("write", [local_id]):
            self._write_work({self.ids.graph(local_id): full}, add)
            self.public.replace_statements({self.ids.graph(local_id): full})
            self._index([row])
            self._review([local_id])
        return published

    def save_batch(self, records: list[Record], *, publish: bool) -> dict[str, str]:
        """Save many records at once (imports): one update per area for the whole batch.

        Returns, per local id, "new", "updated" or "unchanged" (same content as stored: nothing
        is written and the datestamp stays). Records must already be valid. Published records
        are rendered for OAI-PMH before anything is written. Raises InputError (naming the
        record) when one cannot be rendered and StoreError when a write fails; then nothing of
        the batch is written to that area.
        """
        return self.write_batch(self.prepare_batch(records, publish=publish))

    def prepare_batch(self, records: list[Record], *, publish: bool) -> PreparedBatch:
        """The first half of :meth:`save_batch`, which writes nothing: the stored facts of
        ``records`` are read, their statements built and the published ones rendered.

        An importer prepares the next batch while the previous one is written; it must not
        prepare a record while an earlier write of the same record is pending (its facts would
        be stale). Raises InputError naming a record that cannot be rendered.
        """
        known = self._catalogue_facts([r.id for r in records])
        batch = PreparedBatch(publish=publish)
        new: set[URIRef] = set()
        for record in records:
            description = statements(record.graph)
            digest = statements_hash(description)
            facts = known.get(record.id)
            if facts and facts["hash"] == digest and facts["state"] == _target(record, publish):
                batch.outcome[record.id] = "unchanged"
                continue
            batch.outcome[record.id] = "updated" if facts else "new"
            if not facts:
                new.update((self.ids.graph(record.id), self.ids.raw_graph(record.id)))
            stored = self._next_revision(record, facts, digest, publish)
            batch.reviews.append(row_of_record(stored, self.ids,
                                               stored.revision if publish else None))
            if publish:
                row = render(stored, self.ids)
                batch.rows.append(row)
                stored = stored.with_(quality=row.facets.quality)
            full = description + statements(catalogue_triples(stored, self.ids))
            batch.work[self.ids.graph(record.id)] = full
            if record.raw is not None:
                batch.work[self.ids.raw_graph(record.id)] = self._raw_lines(record)
            if publish:
                batch.public[self.ids.graph(record.id)] = full
        if batch.public:
            batch.new_public = self.public.absent(new)
        if batch.work:
            batch.new_work = self.work.absent(new)
        return batch

    #: records written by batches since both areas were last flushed (see :meth:`write_batch`)
    _unflushed = 0

    def write_batch(self, batch: PreparedBatch) -> dict[str, str]:
        """The second half of :meth:`save_batch`: :meth:`write_work` then :meth:`write_public`.
        Returns the outcome per local id. Raises StoreError when a write fails; then nothing of
        the batch is written to that area, nor to the later ones (the journal finishes a
        batch whose later steps failed, see :meth:`write_work`)."""
        self.write_work(batch)
        return self.write_public(batch)

    def write_work(self, batch: PreparedBatch) -> None:
        """The first step of :meth:`write_batch`: a batch that publishes is noted in the
        journal (one intent for the whole batch), then its work area is written. An importer
        may run it while the public area of the previous batch is written. Raises StoreError
        when the note or the write fails; :meth:`write_public` must then not run (the intent
        stays, and is finished before this process's next public change or by the next
        process to open the home)."""
        if batch.rows:
            batch.intent = self._begin("write", [row.local_id for row in batch.rows])
        try:
            if batch.work:
                self.work.replace_statements(batch.work, new=batch.new_work)
            if batch.reviews:
                self.reviews.put(batch.reviews, keep_public=not batch.publish)
        except BaseException:
            self._stall(batch.intent)
            raise

    def write_public(self, batch: PreparedBatch) -> dict[str, str]:
        """The second step of :meth:`write_batch`, once :meth:`write_work` succeeded: the
        public area, the dissemination index and the text index, then the journal's intent is
        ended. Returns the outcome per local id. Raises StoreError when a write or a flush
        fails (the intent then stays, see :meth:`write_work`).

        Every :data:`FLUSH_EVERY` records both areas are flushed: an embedded Oxigraph keeps
        what it writes in RocksDB's in-memory write buffers until then, which made an import's
        resident memory grow by about 75 MB per 1,000 records.
        """
        try:
            if batch.public:
                self.public.replace_statements(batch.public, new=batch.new_public)
                self._index(batch.rows)
        except BaseException:
            self._stall(batch.intent)
            raise
        if batch.intent is not None:
            self.journal.end(batch.intent)
        self._unflushed += sum(1 for status in batch.outcome.values() if status != "unchanged")
        if self._unflushed >= FLUSH_EVERY:
            self._unflushed = 0
            self._flush()
        return batch.outcome

    def _flush(self) -> None:
        """Flush both areas to disk. Raises StoreError when that fails."""
        try:
            self.public.flush()
            self.work.flush()
        except OSError as error:
            raise StoreError(f"cannot flush the store to disk: {error}") from error

    def _next_revision(self, record: Record, facts: dict | None, digest: str,
                       publish: bool) -> Record:
        previous = facts["datestamp"] if facts else None
        stamp = next_datestamp(previous) if publish else previous
        issued = (facts or {}).get("issued") or (stamp if publish else None)
        return record.with_(
            state=_target(record, publish), revision=(facts["revision"] if facts else 0) + 1,
            datestamp=stamp, issued=issued, content_hash=digest,
        )

    def _catalogue_facts(self, local_ids: list[str]) -> dict[str, dict]:
        """Revision, content hash, state and datestamps of the stored records among
        ``local_ids``: one index lookup per record in its own graph (a SPARQL query over
        ``GRAPH ?g`` costs time in proportion to the whole store, which made imports
        quadratic)."""
        facts = {}
        for local_id in local_ids:
            admin = self.work.subject_facts(self.ids.catalogue_record(local_id),
                                            self.ids.graph(local_id))
            if {YL.localId, YL.revision, YL.state} <= admin.keys():
                facts[local_id] = {
                    "revision": int(admin[YL.revision]),
                    "hash": str(admin.get(YL.contentHash, "")),
                    "state": str(admin[YL.state]).rsplit("/", 1)[-1],
                    "datestamp": parse_datestamp(admin.get(YL.datestamp)),
                    "issued": parse_datestamp(admin.get(DCT.issued)),
                }
        return facts

    def set_state(self, local_id: str, state: str, *, add: Additions | None = None) -> Record:
        """Record a workflow state in the work area (publishing and withdrawal have own
        methods), journaled, with the review index row; ``add`` as for :meth:`put`. A record
        whose takedown is under review may go back to "published" (the public area holds that
        revision already: a returned takedown).

        Raises NotFound for an unknown record, ConflictError for "withdrawn", and for
        "published" from another state (use publish / withdraw), StoreError when a write fails.
        """
        record = self.get(local_id)
        if state == "withdrawn" or (state == "published"
                                    and record.state not in TAKEDOWN_UNDER_REVIEW):
            raise ConflictError(f"record {local_id} is {record.state}: use "
                                f"{'publish' if state == 'published' else 'withdraw'}() to make "
                                f"it {state}")
        record = record.with_(state=state)
        with self._journaled("write", [local_id]):
            self._write_work({self.ids.graph(local_id): self._lines(record)}, add)
            self._review([local_id])
        return record

    def withdraw(self, local_id: str, *, add: Additions | None = None) -> Record:
        """Take ``local_id`` out of public view, leaving a tombstone there (and in the work area
        the record, in state withdrawn; journaled, the work area first; ``add`` as for
        :meth:`put`). Raises NotFound for an unknown record and StoreError when a write
        fails."""
        record = self.get(local_id)
        stamp = next_datestamp(max(filter(None, (self._public_datestamp(local_id),
                                                 record.datestamp)), default=None))
        withdrawn = record.with_(state="withdrawn", datestamp=stamp)
        with self._journaled("write", [local_id]):
            self._write_work({self.ids.graph(local_id): self._lines(withdrawn)}, add)
            self._bury(withdrawn)
            self._review([local_id])
        return withdrawn

    def delete(self, local_id: str) -> None:
        """Delete ``local_id`` for good from the work area; a tombstone stays public when the
        record had ever been published (journaled, the work area first). Raises NotFound for an
        unknown record and StoreError when a write fails."""
        record = self.get(local_id)
        public = self.public.has_graph(self.ids.graph(local_id))
        stamp = next_datestamp(self._public_datestamp(local_id) or record.datestamp)
        with self._journaled("delete", [local_id]):
            self._drop_work(local_id)
            if public:
                self._bury(record.with_(datestamp=stamp))
            self.reviews.remove([local_id])

    def _drop_work(self, local_id: str) -> None:
        """Drop the record's graphs (description, raw payload, links) from the work area."""
        self.work.replace({self.ids.graph(local_id): None, self.ids.raw_graph(local_id): None,
                           self.ids.links_graph(local_id): None})

    def _bury(self, record: Record) -> None:
        """Replace the public revision of ``record`` by its tombstone (keeping the sets it was
        in) and drop its public links, in one update; then mark it deleted in the dissemination
        index."""
        specs = self._public_set_specs(record.id)
        tomb = tombstone_triples(record, self.ids, specs)
        self.public.replace({self.ids.graph(record.id): tomb,
                             self.ids.links_graph(record.id): None})
        self._index([render_tombstone(record.id, record.datestamp, tuple(specs))])

    # -- the dissemination and text indexes -------------------------------------------------

    def _index(self, rows: list[Dissemination]) -> None:
        """``rows`` into the dissemination index, then their texts into the text index (a
        tombstone's taken out). Raises StoreError when either cannot be written."""
        self.disseminations.put(rows)
        documents = [self._text_document(row) for row in rows if row.text is not None]
        if documents:
            self.text_index.put(documents)
        if any(row.deleted for row in rows):
            self.text_index.remove(row.local_id for row in rows if row.deleted)

    def _text_document(self, row: Dissemination) -> TextDocument:
        titles, texts = row.text
        return TextDocument(row.local_id, str(self.ids.resource(row.local_id)), titles, texts,
                            facets=row.facets, descriptions=row.descriptions, names=row.names,
                            modified=epoch_seconds(row.datestamp),
                            file_texts=self._file_texts(row.facets.files))

    def _file_texts(self, digests: tuple[str, ...]) -> tuple[str, ...]:
        """The start of the kept text of each file (at most :data:`FILE_TEXT_CHARACTERS` in
        all; a file whose text this machine does not keep adds nothing). Raises StoreError."""
        if not digests or self.config.files_dir is None:  # no files, or a home in memory
            return ()
        texts, left, found = Texts(self.config.files_dir / "text"), FILE_TEXT_CHARACTERS, []
        for digest in digests:
            text = texts.read(digest, left) if left > 0 else None
            if text:
                found.append(text)
                left -= len(text)
        return tuple(found)

    def reindex(self) -> int:
        """Rebuild the dissemination index from the public area; returns the rows written.

        The index keeps serving while it is rebuilt (rows are replaced batch by batch and rows
        of records no longer public are dropped at the end). A record whose rendering differs
        from the one indexed (a crosswalk changed since) first gets a new datestamp, so that
        incremental harvesters fetch it again: OAI-PMH datestamps date the last change of the
        record as disseminated. Raises InputError when a public record cannot be rendered and
        StoreError when the index cannot be written.
        """
        local_ids = self.local_ids(public=True)
        self.text_index.replace_all(self._reindexed(local_ids))
        self.disseminations.retain(local_ids)
        return len(local_ids)

    def _reindexed(self, local_ids: list[str]) -> Iterator[TextDocument]:
        """Rewrites the dissemination rows of ``local_ids`` batch by batch, yielding the text
        documents of the live ones as it goes (for one commit of the whole text index)."""
        for start in range(0, len(local_ids), REINDEX_BATCH):
            rows = [self._reindexed_row(i) for i in local_ids[start:start + REINDEX_BATCH]]
            self.disseminations.put(rows)
            yield from (self._text_document(row) for row in rows if row.text is not None)

    def _reindexed_row(self, local_id: str) -> Dissemination:
        """The row of ``local_id`` rendered anew, restamped first when it changed."""
        row = self._public_row(local_id)
        indexed = self.disseminations.rendered(local_id)
        if row.deleted or indexed is None or indexed == rendering(row):
            return row
        return self._restamp(local_id)

    def _restamp(self, local_id: str) -> Dissemination:
        """A new datestamp for the public revision of ``local_id``, written (journaled) to the
        work area when that holds the same revision (a newer one under review keeps its own
        facts; publishing it takes the later of both datestamps), then to the public area and
        the dissemination index; returns the new row. (Its text document does not change: it
        holds no datestamp, and reindex rewrites the text index meanwhile.)"""
        graph = self.ids.graph(local_id)
        public = split_record_graph(local_id, self.public.graph(graph), self.ids)
        stamp = next_datestamp(public.datestamp)
        current = self._current(local_id)
        with self._journaled("write", [local_id]):
            if current is not None and current.revision == public.revision:
                self.work.replace_statements({graph: self._lines(current.with_(datestamp=stamp))})
            self.public.replace_statements({graph: self._lines(public.with_(datestamp=stamp))})
            row = self._public_row(local_id)
            self.disseminations.put([row])
            self._review([local_id])
        return row

    # -- the journal: finishing changes cut short ------------------------------------------

    @contextlib.contextmanager
    def _journaled(self, kind: Kind, local_ids: list[str]) -> Iterator[Intent]:
        """Note a change of ``kind`` to ``local_ids`` in the journal, make it (the body), end
        the note. A change that fails part-way keeps its note (see :meth:`_stall`). Raises
        StoreError when the journal cannot be written."""
        intent = self._begin(kind, local_ids)
        try:
            yield intent
        except BaseException:
            self._stall(intent)
            raise
        self.journal.end(intent)

    def _begin(self, kind: Kind, local_ids: list[str]) -> Intent:
        """Finish what earlier failed changes of this process left (when the store lets us),
        then note the new change. Raises StoreError when the journal cannot be written."""
        with self._stalled_lock:
            for intent in list(self._stalled):
                with contextlib.suppress(RepositoryError):
                    self._finish(intent.kind, intent.local_ids)
                    self.journal.end(intent)
                    self._stalled.remove(intent)
        return self.journal.begin(kind, local_ids)

    def _stall(self, intent: Intent | None) -> None:
        """Keep ``intent`` of a change that failed part-way, to be finished before the next
        change of this process (or by the next process to open the home, should this one
        end first)."""
        if intent is not None:
            with self._stalled_lock:
                self._stalled.append(intent)

    def recover(self) -> list[Intent]:
        """Finish the changes that processes which have died left unfinished in the journal
        (done when a home is opened); returns their intents. Raises StoreError, and InputError
        when a public record cannot be rendered (the intents stay for the next attempt)."""
        finished = []
        with self.journal.orphans() as intents:
            for intent in intents:
                self._finish(intent.kind, intent.local_ids)
                self.journal.end(intent)
                LOG.warning("finished %s, left by a process that had ended", intent)
                finished.append(intent)
        return finished

    def finish(self, kind: Kind, local_ids: Iterable[str]) -> list[str]:
        """Bring each record of ``local_ids`` into agreement in both areas and both indexes,
        the way ``kind`` says (:data:`repository.journal.KINDS`: ``write``, the public area
        follows the work area; ``delete``, the record leaves the work area and a tombstone
        stays public; ``adopt``, the work area takes the public copy), journaled like any
        public change, :data:`REINDEX_BATCH` records an intent. Returns one line per thing
        changed. Raises StoreError, and InputError when a public record cannot be rendered."""
        done: list[str] = []
        ids = list(dict.fromkeys(local_ids))
        for start in range(0, len(ids), REINDEX_BATCH):
            chunk = ids[start:start + REINDEX_BATCH]
            with self._journaled(kind, chunk):
                done += self._finish(kind, chunk)
        return done

    def _finish(self, kind: Kind, local_ids: Iterable[str]) -> list[str]:
        """Settle each record's areas the way ``kind`` says, then write both indexes of every
        one from the public area; one line per thing changed."""
        ids = list(local_ids)
        settle = {"write": self._public_from_work, "delete": self._delete_fully,
                  "adopt": self._work_from_public}[kind]
        done = [f"{local_id}: {what}" for local_id in ids if (what := settle(local_id))]
        self._index_from_public(ids)
        self._review(ids)
        return done

    def _public_from_work(self, local_id: str) -> str | None:
        """Write the public copy the work copy calls for: its revision (as published) when it
        is public, a tombstone with its datestamp when it is withdrawn; nothing for other
        states. What was done, or None."""
        work = self._current(local_id)
        if work is None or (work.state not in PUBLIC_STATES and work.state != "withdrawn"):
            return None
        graph = self.ids.graph(local_id)
        stored = self.public.graph(graph)
        if work.state == "withdrawn":
            if is_tombstone(stored, local_id, self.ids) and \
                    split_record_graph(local_id, stored, self.ids).datestamp == work.datestamp:
                return None
            self._bury(work)
            return f"wrote the tombstone ({_stamp(work)}) to the public area"
        lines = self._lines(work.with_(state="published"))
        if set(statements(stored)) == set(lines):
            return None
        self.public.replace_statements({graph: lines})
        return (f"wrote revision {work.revision} ({_stamp(work)}) to the public area from the "
                "work area")

    def _delete_fully(self, local_id: str) -> str | None:
        """Finish a deletion: no copy in the work area, a tombstone for a public one."""
        done = []
        if self.exists(local_id) or self.work.has_graph(self.ids.raw_graph(local_id)):
            self._drop_work(local_id)
            done.append("removed from the work area")
        stored = self.public.graph(self.ids.graph(local_id))
        if len(stored) and not is_tombstone(stored, local_id, self.ids):
            public = split_record_graph(local_id, stored, self.ids)
            buried = public.with_(datestamp=next_datestamp(public.datestamp))
            self._bury(buried)
            done.append(f"left a tombstone ({_stamp(buried)}) in the public area")
        return "; ".join(done) or None

    def _work_from_public(self, local_id: str) -> str | None:
        """Write the work copy the public copy calls for: its revision, or for a tombstone
        the work revision withdrawn at the tombstone's datestamp. What was done, or None."""
        graph = self.ids.graph(local_id)
        stored = self.public.graph(graph)
        if not len(stored):
            return None
        public = split_record_graph(local_id, stored, self.ids)
        if is_tombstone(stored, local_id, self.ids):
            work = self._current(local_id)
            if work is None or (work.state, work.datestamp) == ("withdrawn", public.datestamp):
                return None
            withdrawn = work.with_(state="withdrawn", datestamp=public.datestamp)
            self.work.replace_statements({graph: self._lines(withdrawn)})
            return f"withdrawn in the work area ({_stamp(withdrawn)}), as the public area says"
        lines = statements(stored)
        if set(statements(self.work.graph(graph))) == set(lines):
            return None
        self.work.replace_statements({graph: lines})
        return (f"wrote revision {public.revision} ({_stamp(public)}) to the work area from the "
                "public area")

    def _index_from_public(self, local_ids: list[str]) -> None:
        """Rewrite the dissemination rows and text documents of ``local_ids`` from the public
        area (a record not there leaves both indexes)."""
        rows, absent = [], []
        for local_id in local_ids:
            if self.public.has_graph(self.ids.graph(local_id)):
                rows.append(self._public_row(local_id))
            else:
                absent.append(local_id)
        self._index(rows)
        if absent:
            self.disseminations.remove(absent)
            self.text_index.remove(absent)

    def store_description(self, description: Graph) -> None:
        """Replace the copy of the VoID description (:mod:`repository.void`) kept in the public
        area, in the graph ``{base}.well-known/void``, in one update: SPARQL reads its counts
        there. It is not a record: no datestamp, no index row. Raises StoreError."""
        self.public.replace({self.ids.description: description})

    def token_key(self) -> bytes:
        """The key that signs resumption tokens (``{home}/secret``; random in memory).
        Raises StoreError when the key file cannot be read or created."""
        if self._key is None:  # two threads may both read the file: they read the same key
            self._key = signing_key(self.config.secret_path)
        return self._key

    def public_snapshot(self) -> Path:
        """A read-only copy of the public area as it is now, which other processes may open
        (:mod:`repository.snapshots`); taken anew only when the area was written since the
        last. Raises StoreError for an area in memory or on a SPARQL server."""
        if self.snapshots is None or not isinstance(self.public, Store):
            raise StoreError("only an embedded public area on disk has snapshots")
        return self.snapshots.refresh(self.public)

    def _align_index(self) -> None:
        """Rebuild the indexes when one is empty beside a public area that is not (a home made
        before the index existed, or a lost index), and empty them beside an empty public
        area."""
        public_empty, index_empty = self.public.is_empty(), not len(self.disseminations)
        text_missing = not len(self.text_index) and self.disseminations.live_count() > 0
        if (index_empty and not public_empty) or text_missing:
            self.reindex()
        elif public_empty and not index_empty:
            self.disseminations.retain([])
            self.text_index.replace_all([])
        if not len(self.reviews) and self.work.select(FIRST_RECORD):
            self.rebuild_reviews()

    def rebuild_reviews(self) -> int:
        """Rebuild the review index from the work area (and the public revisions); returns
        the rows written. Raises StoreError."""
        return self.reviews.rebuild(self.work, self.public, self.ids)

    def _review(self, local_ids: list[str]) -> None:
        """Rewrite the review index rows of ``local_ids`` from the areas. Raises StoreError."""
        self.reviews.refresh(self.work, self.public, self.ids, local_ids)

    def _write_work(self, graphs: dict[URIRef, list[str] | None],
                    add: Additions | None) -> None:
        """Replace ``graphs`` of the work area and add ``add`` to others, in one update."""
        parts = (replacement_update(graphs), addition_update(add or {}))
        self.work.update(" ;\n".join(part for part in parts if part))

    def _public_row(self, local_id: str) -> Dissemination:
        stored = self.public.graph(self.ids.graph(local_id))
        record = split_record_graph(local_id, stored, self.ids)
        if is_tombstone(stored, local_id, self.ids):
            specs = tombstone_set_specs(stored, local_id, self.ids)
            return render_tombstone(local_id, record.datestamp, tuple(specs))
        return render(record, self.ids, stored)

    def _public_set_specs(self, local_id: str) -> list[str]:
        """The sets of the public revision of ``local_id`` (those a tombstone keeps)."""
        stored = self.public.graph(self.ids.graph(local_id))
        if not len(stored):
            return []
        if is_tombstone(stored, local_id, self.ids):
            return tombstone_set_specs(stored, local_id, self.ids)
        subject = self.ids.resource(local_id)
        return [s.spec for s in record_sets(stored, subject, local_id, self.ids.base)]

    # -- dump and restore ------------------------------------------------------------------

    def dump(self, path: Path) -> int:
        """Write both areas to one N-Quads file (gzip when ``path`` ends in .gz); public graphs
        are named ``urn:yuliao:public:{graph}``. Returns the number of quads written.

        The file appears whole or not at all (written beside ``path``, then renamed). Raises
        InputError naming ``path`` when it is a folder, its folder does not exist or it cannot
        be written, and StoreError when the store cannot be read.
        """
        count = 0
        with replacing(path) as file, compressed_if_gz(path, file) as out:
            for area, prefix in ((self.work, ""), (self.public, PUBLIC_PREFIX)):
                for quad in area.quads():
                    out.write(_nquad(quad, prefix).encode("utf-8"))
                    count += 1
        return count

    def restore(self, path: Path) -> int:
        """Load a dump made by :meth:`dump` into this (empty) repository; all or nothing per
        area. Raises InputError when ``path`` is not a file or not a readable N-Quads dump and
        ConflictError when the repository is not empty."""
        check_dump_file(path)
        if not (self.work.is_empty() and self.public.is_empty()):
            raise ConflictError(f"restore needs an empty home, and {self.config.home} holds "
                                "records: make a new one with `yuliao --home NEW init`")
        work, public = _read_dump(path)
        self.work.load_quads(work)
        self.public.load_quads(public)
        self.reindex()
        self.rebuild_reviews()
        return len(work) + len(public)

    def close(self) -> None:
        """Flush writes to disk and release the stores' and the journal's locks; the
        repository is unusable afterwards."""
        for name in ("work", "public", "journal", "disseminations", "text_index", "reviews"):
            part = getattr(self, name, None)  # None: the constructor failed before it
            if part is not None:
                with contextlib.suppress(OSError, AttributeError):
                    part.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _current(self, local_id: str) -> Record | None:
        stored = self.work.graph(self.ids.graph(local_id))
        return split_record_graph(local_id, stored, self.ids) if len(stored) else None

    def _public_datestamp(self, local_id: str):
        stored = self.public.graph(self.ids.graph(local_id))
        if not len(stored):
            return None
        return split_record_graph(local_id, stored, self.ids).datestamp

    def _lines(self, record: Record) -> list[str]:
        """The statements stored for ``record``: its description and catalogue record (with
        the quality measurement of a published one, measured now when it is not yet)."""
        if record.is_public and record.quality is None:
            record = record.with_(quality=record_quality(record.graph,
                                                         self.ids.resource(record.id)))
        return statements(record.graph) + statements(catalogue_triples(record, self.ids))

    def _raw_lines(self, record: Record) -> list[str]:
        text = record.raw.decode("utf-8", errors="replace")
        return [statement(self.ids.catalogue_record(record.id), YL.rawPayload, Literal(text))]


@dataclass
class PreparedBatch:
    """A batch of records ready to be written (:meth:`Repository.prepare_batch`): the outcome
    per local id, the statements per named graph of each area, the dissemination rows, and
    per area the graphs known not to exist yet (not dropped before their insert; looked up
    when preparing, where the lookups do not compete with the writes for the GIL)."""

    outcome: dict[str, str] = field(default_factory=dict)
    work: dict[URIRef, list[str] | None] = field(default_factory=dict)
    public: dict[URIRef, list[str] | None] = field(default_factory=dict)
    rows: list[Dissemination] = field(default_factory=list)
    new_work: frozenset[URIRef] = frozenset()
    new_public: frozenset[URIRef] = frozenset()
    #: the journal's note of the batch's public change, from write_work to write_public
    intent: Intent | None = None
    #: whether the batch publishes, and the review index rows of its records
    publish: bool = False
    reviews: list[Row] = field(default_factory=list)


def _stamp(record: Record) -> str:
    return utc_text(record.datestamp) if record.datestamp else "no datestamp"


def _target(record: Record, publish: bool) -> str:
    return "published" if publish else record.state


def _nquad(quad: ox.Quad, prefix: str) -> str:
    graph = quad.graph_name
    name = f"<{prefix}{graph.value}>" if isinstance(graph, ox.NamedNode) else ""
    return f"{quad.subject} {quad.predicate} {quad.object} {name} .\n"


def check_dump_file(path: Path) -> None:
    """Raises InputError naming ``path`` when it is not a file (missing, or a folder)."""
    if not path.is_file():
        reason = "is a folder" if path.is_dir() else "no such file"
        raise InputError(f"{reason}; expected a dump made by yuliao dump", origin=str(path))


def _read_dump(path: Path) -> tuple[list[ox.Quad], list[ox.Quad]]:
    opener = gzip.open if path.suffix == ".gz" else open
    work: list[ox.Quad] = []
    public: list[ox.Quad] = []
    try:
        with opener(path, "rb") as data:
            for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode) and graph.value.startswith(PUBLIC_PREFIX):
                    name = ox.NamedNode(graph.value[len(PUBLIC_PREFIX):])
                    public.append(ox.Quad(quad.subject, quad.predicate, quad.object, name))
                else:
                    work.append(quad)
    except (SyntaxError, OSError, ValueError) as error:
        raise InputError(f"not a Yuliao N-Quads dump: {error}", origin=str(path)) from error
    return work, public


def open_repository(config: Config | None = None) -> Repository:
    """The repository of ``config`` (default: from the environment). Raises StoreError."""
    return Repository(config or Config.from_env())
