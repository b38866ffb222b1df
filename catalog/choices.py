"""Enumerations shared by the catalog's models, services and API."""

from django.db import models


class Source(models.TextChoices):
    HUGGINGFACE = "huggingface", "Hugging Face Hub"


class Gate(models.TextChoices):
    NONE = "", "not gated"
    AUTO = "auto", "gated (automatic approval)"
    MANUAL = "manual", "gated (manual approval)"


class Modality(models.TextChoices):
    TEXT = "text", "text"
    CODE = "code", "code"
    IMAGE = "image", "image"
    AUDIO = "audio", "audio"
    VIDEO = "video", "video"
    MULTIMODAL = "multimodal", "multimodal"
    OTHER = "other", "other"
    UNKNOWN = "", "unknown"


class Relation(models.TextChoices):
    FINETUNE = "finetune", "fine-tune"
    ADAPTER = "adapter", "adapter"
    QUANTIZED = "quantized", "quantization"
    MERGE = "merge", "merge"
    UNKNOWN = "unknown", "derivative (relation not stated)"


class LinkOrigin(models.TextChoices):
    CARD_METADATA = "card", "card metadata"
    TAG = "tag", "hub tag"
    README = "readme", "README link"
    API = "api", "hub API"
    REPO_DOC = "repo_doc", "linked repository's documentation"
    CORRECTION = "correction", "maintainer correction"


class DatasetStatus(models.TextChoices):
    UNVERIFIED = "unverified", "not checked yet"
    AVAILABLE = "available", "public and ungated"
    GATED = "gated", "gated"
    PRIVATE = "private", "private or access denied"
    MISSING = "missing", "not found"
    NO_FILES = "no_files", "on the Hub without data files"
    EXTERNAL = "external", "hosted outside the Hub (not fetched)"
    ERROR = "error", "could not be checked"


class RepoStatus(models.TextChoices):
    UNVERIFIED = "unverified", "not checked yet"
    AVAILABLE = "available", "public"
    RENAMED = "renamed", "renamed (see canonical repository)"
    EMPTY = "empty", "empty repository"
    MISSING = "missing", "not found or private"
    REFUSED = "refused", "address refused"
    ERROR = "error", "could not be checked"


class CodeClassification(models.TextChoices):
    TRAINING = "training", "training code"
    FINETUNING = "finetuning", "fine-tuning code"
    INFERENCE = "inference", "inference only"
    NONE = "none", "no code found"
    UNKNOWN = "unknown", "not analysed"


class SubjectType(models.TextChoices):
    MODEL = "model", "model"
    DATASET = "dataset", "dataset"
    REPOSITORY = "repository", "code repository"
    CRAWL = "crawl", "crawl run"


class EvidenceOrigin(models.TextChoices):
    CRAWLED = "crawled", "crawled"
    INFERRED = "inferred", "inferred through lineage"
    CORRECTED = "corrected", "maintainer-corrected"


class Fact(models.TextChoices):
    """Facts the crawler records about a model; each has one evidence row per origin."""

    LICENSE = "license", "declared license"
    ACCESS = "access", "access (private / gated / disabled)"
    WEIGHT_FORMATS = "weight_formats", "weight formats (hub tags)"
    WEIGHT_FILES = "weight_files", "weight files in the repository"
    PARAMETERS = "parameters", "parameter count"
    DATASETS = "datasets", "training datasets named"
    BASE_MODELS = "base_models", "base models"
    CODE_REPOSITORIES = "code_repositories", "code repositories linked"
    PAPERS = "papers", "papers linked"
    DOCUMENTATION = "documentation", "documentation (card, data card, evaluation)"
    # facts about datasets and repositories
    DATASET_ACCESS = "dataset_access", "dataset availability"
    DATASET_LICENSE = "dataset_license", "dataset license"
    REPO_LICENSE = "repo_license", "repository license"
    REPO_CODE = "repo_code", "repository code classification"
    REPO_DOCS = "repo_docs", "repository documentation (README, data docs)"
    # judgment overrides set by an approved correction (origin "corrected" only)
    WEIGHTS_JUDGMENT = "weights", "weights judgment"
    TRAINING_DATA_JUDGMENT = "training_data", "training data judgment"
    TRAINING_CODE_JUDGMENT = "training_code", "training code judgment"
    LICENSE_JUDGMENT = "license_grade", "license permissiveness judgment"


class CrawlKind(models.TextChoices):
    DISCOVER_FULL = "discover_full", "discovery (full pass)"
    DISCOVER_INCREMENTAL = "discover_incremental", "discovery (incremental pass)"
    MODELS = "models", "model details"
    DATASETS = "datasets", "datasets"
    REPOSITORIES = "repositories", "code repositories"


class CrawlStatus(models.TextChoices):
    RUNNING = "running", "running"
    SUCCEEDED = "succeeded", "succeeded"
    PARTIAL = "partial", "finished with failures"
    FAILED = "failed", "failed"
    INTERRUPTED = "interrupted", "interrupted (resumable)"


class CrawlStage(models.TextChoices):
    LIST = "list", "listing"
    DETAIL = "detail", "model detail"
    README = "readme", "README"
    DATASET = "dataset", "dataset"
    REPOSITORY = "repository", "code repository"
    INGEST = "ingest", "ingest"


class CorrectionFact(models.TextChoices):
    LICENSE = "license", "license"
    DATASETS = "datasets", "training datasets"
    CODE_REPOSITORIES = "code_repositories", "code repositories"
    BASE_MODELS = "base_models", "base models"
    WEIGHTS = "weights", "weights judgment"
    TRAINING_DATA = "training_data", "training data judgment"
    TRAINING_CODE = "training_code", "training code judgment"
    LICENSE_GRADE = "license_grade", "license permissiveness judgment"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrawn by its submitter"
    SUPERSEDED = "superseded", "superseded by a later approved correction"
    REVERTED = "reverted", "returned to the crawled value"


class Retirement(models.TextChoices):
    """Why a model left the index after a complete pass did not list it."""

    DELETED = "deleted", "deleted from the Hub"
    PRIVATE = "private", "made private on the Hub"


class CrawlOutcome(models.TextChoices):
    """What one detail or repository crawl did (a str: compares equal to its value)."""

    CRAWLED = "crawled", "crawled"
    UNCHANGED = "unchanged", "unchanged (same upstream revision)"
    MISSING = "missing", "gone from the source"
    FAILED = "failed", "failed (recorded)"
    RENAMED = "renamed", "renamed upstream"
    DISABLED = "disabled", "disabled upstream"
