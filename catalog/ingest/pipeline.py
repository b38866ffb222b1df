"""The crawl pipeline, defined once: discover -> details -> datasets -> repositories -> facts changed.

Each step crawls one thing and hands what it found to a ``Dispatch``, which decides how the
next steps run. Celery tasks (``catalog.tasks``) dispatch by enqueueing tasks after the
transaction commits; the ``crawl`` command dispatches to an ``InlineDispatch`` that runs the
same steps in this process, stage by stage, with progress bars. What comes after what is
written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from catalog import choices
from catalog.ingest import crawl, repositories, store
from catalog.models import AIModel, CodeRepository, CrawlRun, Dataset
from catalog.signals import facts_changed

# after these detail outcomes the model's facts may differ from what was scored
RESCORE_AFTER = {
    choices.CrawlOutcome.CRAWLED,
    choices.CrawlOutcome.MISSING,
    choices.CrawlOutcome.RENAMED,
    choices.CrawlOutcome.DISABLED,
}


class Dispatch(Protocol):
    def details(self, model_ids: list[int]) -> None: ...
    def datasets(self, dataset_ids: list[int]) -> None: ...
    def repositories(self, repository_ids: list[int]) -> None: ...
    def changed(self, model_ids: list[int]) -> None: ...


def discovery_step(
    *,
    dispatch: Dispatch,
    mode: str = crawl.FULL,
    limit: int | None = None,
    author: str | None = None,
    since: datetime | None = None,
    details: bool = True,
    on_page: Callable | None = None,
    resume_only: bool = False,
) -> CrawlRun | None:
    hooks = crawl.DiscoverHooks(
        on_page=on_page,
        on_changed=dispatch.changed,
        on_detail=dispatch.details if details else None,
        on_datasets=dispatch.datasets if details else None,
    )
    run = crawl.discover(
        mode=mode, limit=limit, author=author, since=since, hooks=hooks, resume_only=resume_only
    )
    if run is not None and details:
        # bases only ever named by others: look them up (renamed, deleted, private?)
        dispatch.details(crawl.unlisted_bases())
    return run


def model_step(*, model: AIModel, dispatch: Dispatch, force: bool = False) -> crawl.ModelCrawlResult:
    """Detail crawl; raises ``HubError`` for transient problems (the caller retries)."""
    result = crawl.model_crawl(model=model, force=force)
    # bases this card named for the first time: look them up too (renamed? deleted?)
    dispatch.details(crawl.unlisted_bases(child_id=model.pk))
    dispatch.datasets(result.dataset_ids)
    dispatch.repositories(result.repository_ids)
    if result.status in RESCORE_AFTER:
        dispatch.changed([model.pk])
    return result


def dataset_step(*, dataset: Dataset, dispatch: Dispatch) -> str:
    status = crawl.dataset_crawl(dataset=dataset)
    dispatch.changed(list(dataset.model_links.values_list("model_id", flat=True)))
    return status


def repository_step(*, repository: CodeRepository, dispatch: Dispatch) -> str:
    status = repositories.repository_crawl(repository=repository)
    if status != choices.CrawlOutcome.UNCHANGED:
        model_ids = list(repository.model_links.values_list("model_id", flat=True))
        # the datasets its README and data documents name, for the models that link it
        dispatch.datasets(store.models_repo_docs_link(model_ids))
        dispatch.changed(model_ids)
    return status


def announce(model_ids: list[int] | None, *, synchronous: bool = False, progress: bool = False) -> None:
    """Tell listeners (the scoring app) that these models' facts changed."""
    if model_ids is None or model_ids:
        facts_changed.send(sender=AIModel, model_ids=model_ids, synchronous=synchronous, progress=progress)


@dataclass
class InlineDispatch:
    """Runs the pipeline in this process, one stage after another (the crawl command)."""

    progress: Callable[..., Iterable] = lambda iterable, **_: iterable
    on_error: Callable[[str], None] = lambda message: None
    model_ids: list[int] = field(default_factory=list)
    dataset_ids: set[int] = field(default_factory=set)
    repository_ids: set[int] = field(default_factory=set)
    changed_ids: set[int] = field(default_factory=set)
    failed: int = 0

    def details(self, model_ids: list[int]) -> None:
        self.model_ids.extend(model_ids)

    def datasets(self, dataset_ids: list[int]) -> None:
        self.dataset_ids.update(dataset_ids)

    def repositories(self, repository_ids: list[int]) -> None:
        self.repository_ids.update(repository_ids)

    def changed(self, model_ids: list[int]) -> None:
        self.changed_ids.update(model_ids)

    def run_details(self, *, force: bool = False) -> None:

        done: set[int] = set()
        while pending := [pk for pk in dict.fromkeys(self.model_ids) if pk not in done]:
            done.update(pending)
            self._details_of(pending, force=force)

    def _details_of(self, model_ids: list[int], *, force: bool) -> None:
        from catalog.sources.huggingface.client import HubError

        models = list(AIModel.objects.filter(pk__in=model_ids).order_by("repo_id"))
        for model in self.progress(models, desc="details", unit="model"):
            try:
                result = model_step(model=model, dispatch=self, force=force)
            except HubError as exc:  # transient and out of retries here: recorded, the crawl goes on
                self.failed += 1
                self.on_error(f"{model.repo_id}: {exc.code}: {exc}")
                continue
            self.failed += result.status == choices.CrawlOutcome.FAILED

    def run_datasets(self) -> None:
        from catalog.sources.huggingface.client import HubError

        pending = Dataset.objects.filter(pk__in=self.dataset_ids, status=choices.DatasetStatus.UNVERIFIED)
        for dataset in self.progress(list(pending), desc="datasets", unit="dataset"):
            try:
                dataset_step(dataset=dataset, dispatch=self)
            except HubError as exc:
                self.on_error(f"dataset {dataset.repo_id}: {exc.code}: {exc}")

    def run_repositories(self) -> None:
        repos = CodeRepository.objects.filter(pk__in=self.repository_ids)
        for repository in self.progress(list(repos), desc="repositories", unit="repo"):
            try:
                repository_step(repository=repository, dispatch=self)
            except Exception as exc:  # recorded by the service; one repository never stops the crawl
                self.on_error(f"repository {repository.full_name}: {exc}")

    def run(self, *, force: bool = False, details: bool = True) -> None:
        """Every stage after discovery, in order."""
        if details:
            self.run_details(force=force)
            self.run_datasets()
            self.run_repositories()
            self.run_datasets()  # those the repositories' documentation named
