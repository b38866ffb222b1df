"""Record what went wrong where an operator can see it (admin: Crawl failures)."""

from __future__ import annotations

from django.utils import timezone

from catalog import choices
from catalog.models import AIModel, CodeRepository, CrawlFailure, CrawlRun, Dataset

MAX_MESSAGE = 2000


def crawl_failure_record(
    *,
    subject_type: str,
    subject_key: str,
    stage: str,
    error_code: str,
    message: str,
    run: CrawlRun | None = None,
    http_status: int | None = None,
    attempts: int = 1,
    final: bool = True,
) -> CrawlFailure:
    return CrawlFailure.objects.create(
        run=run,
        subject_type=subject_type,
        subject_key=subject_key[:300],
        stage=stage,
        error_code=error_code[:48],
        message=message[:MAX_MESSAGE],
        http_status=http_status,
        attempts=attempts,
        final=final,
    )


def model_failure_record(
    *,
    model: AIModel,
    stage: str,
    error_code: str,
    message: str,
    run: CrawlRun | None = None,
    http_status: int | None = None,
    attempts: int = 1,
    final: bool = True,
) -> None:
    """A failed crawl of one model: kept on the model and in the failure log; nothing else changes."""
    now = timezone.now()
    AIModel.objects.filter(pk=model.pk).update(
        crawl_error=f"{stage}: {error_code}: {message}"[:MAX_MESSAGE],
        crawl_error_at=now,
        crawl_failures=model.crawl_failures + 1,
    )
    crawl_failure_record(
        subject_type=choices.SubjectType.MODEL,
        subject_key=model.repo_id,
        stage=stage,
        error_code=error_code,
        message=message,
        run=run,
        http_status=http_status,
        attempts=attempts,
        final=final,
    )


def dataset_failure_record(
    *,
    dataset: Dataset,
    error_code: str,
    message: str,
    http_status: int | None = None,
    attempts: int = 1,
    final: bool = True,
) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(crawl_failures=dataset.crawl_failures + 1)
    crawl_failure_record(
        subject_type=choices.SubjectType.DATASET,
        subject_key=dataset.repo_id,
        stage=choices.CrawlStage.DATASET,
        error_code=error_code,
        message=message,
        http_status=http_status,
        attempts=attempts,
        final=final,
    )


def repository_failure_record(
    *,
    repository: CodeRepository,
    error_code: str,
    message: str,
    http_status: int | None = None,
    attempts: int = 1,
    final: bool = True,
) -> None:
    CodeRepository.objects.filter(pk=repository.pk).update(
        crawl_failures=repository.crawl_failures + 1, crawl_error=f"{error_code}: {message}"[:MAX_MESSAGE]
    )
    crawl_failure_record(
        subject_type=choices.SubjectType.REPOSITORY,
        subject_key=repository.full_name,
        stage=choices.CrawlStage.REPOSITORY,
        error_code=error_code,
        message=message,
        http_status=http_status,
        attempts=attempts,
        final=final,
    )
