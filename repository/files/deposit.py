"""Files taken in, added to their record: what ``yuliao files add`` and the back office's
uploads both do once the bytes are accepted.

The files become distributions of the record (:func:`.distributions.add_file`) in one new
draft revision saved through the workflow (so the actor's role and agency, the record's state
and the revision the caller saw are all checked). When the workflow refuses, the bytes the
files brought into the store are removed again (bytes that were there before stay); when it
saves, the agency's holdings record each file against its quota.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..actors import Actor
from ..config import Config
from ..errors import RepositoryError
from ..workflow.service import Saved, Workflow
from .distributions import AddedFile, add_file
from .holdings import Holdings
from .storage import FileStore, file_store
from .texts import Texts
from .uploads import Uploads


@dataclass(frozen=True)
class FilePlaces:
    """Where a home keeps its files: the store, the kept texts, the agencies' holdings, the
    uploads under way, and the quota of each agency (bytes; 0: none)."""

    store: FileStore
    texts: Texts
    holdings: Holdings
    uploads: Uploads
    quota: int = 0

    @classmethod
    def of(cls, config: Config) -> FilePlaces:
        root: Path = config.files_dir
        return cls(file_store(config), Texts(root / "text"), Holdings(root / "holdings.sqlite"),
                   Uploads(root / "uploads"), config.files.agency_quota)

    def hold(self, agency: str | None, added: Iterable[AddedFile]) -> None:
        """After a save added ``added`` to a record of ``agency``: the agency holds them.
        Raises StoreError."""
        for file in added if agency else ():
            self.holdings.add(agency, file.stored.sha256, file.stored.size)

    def check_quota(self, agency: str | None, size: int, name: str = "") -> None:
        """Raises OverQuota when ``size`` more bytes would take ``agency`` over its quota,
        StoreError."""
        if agency:
            self.holdings.check(agency, size, self.quota, self.uploads.pending(agency), name)


def deposit(flow: Workflow, places: FilePlaces, actor: Actor, local_id: str,
            added: Sequence[AddedFile], expected_revision: int | None = None) -> Saved:
    """``added`` as distributions of ``local_id`` in a new draft revision saved as ``actor``.
    Raises what :meth:`Workflow.save_draft` raises (NotFound, NotAllowed, WrongState,
    StaleRevision, StoreError) and InputError when the record has another file of the same
    name; the new bytes are then removed from the store."""
    repository = flow.repository
    try:
        record = repository.get(local_id)
        graph, subject = record.graph, repository.ids.resource(local_id)
        for file in added:
            add_file(graph, subject, repository.ids.base, local_id, file)
        saved = flow.save_draft(actor, record.with_(graph=graph),
                                expected_revision=(record.revision if expected_revision is None
                                                   else expected_revision))
    except RepositoryError:
        for file in added:
            if file.stored.new:
                places.store.remove(file.stored.sha256)
        raise
    places.hold(actor.agency, added)  # the workflow let the actor save: the actor's agency
    return saved
