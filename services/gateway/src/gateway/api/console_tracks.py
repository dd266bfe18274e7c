"""The console's track grid with its activity panel: the Files widget (Create Share Link)
and the Share widget (collaborators' dots, sharing, removal, job progress)."""

import asyncio
from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlencode

from contracts.ids import CATALOG_ID_PATTERN, JOB_ID_PATTERN
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from service_kit.service_client import NotFound, Refused

from gateway.clients import ConsoleApi
from gateway.console.forms import FilesWidget, TrackId
from gateway.console.render import render, see_other
from gateway.console.session import ChangingSession, ConsoleSession, Session
from gateway.console.views import (
    ROLES,
    RecipientsProblem,
    recipients_of,
    role_counts,
    songs_by_bucket,
)
from gateway.context import GatewayDep
from gateway.html import templates
from gateway.models import Job, ShareStatus, Track

router = APIRouter(prefix="/console", include_in_schema=False)
Id = Annotated[str, Path(pattern=CATALOG_ID_PATTERN)]
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN)]
Selection = Annotated[tuple[TrackId, ...], Query(alias="t", max_length=50)]
SelectionForm = Annotated[list[TrackId], Form(alias="t", min_length=1, max_length=50)]


@router.get("")
async def tracks_page(
    request: Request, session: ConsoleSession, context: GatewayDep, t: Selection = ()
) -> Response:
    """Every track by bucket, the selected ones ticked, their activity panel beside."""
    tracks = await _catalog(context.console, session)
    selected = _chosen(tracks, t)
    values = {"buckets": songs_by_bucket(tracks)} | await _panel(context.console, session, selected)
    return await render(request, context.console, session, "tracks.html", values)


@router.get("/panel")
async def panel(
    request: Request, session: ConsoleSession, context: GatewayDep, t: Selection = ()
) -> Response:
    """The activity panel alone, for the grid's script to swap in as the selection changes:
    only the selected tracks are read, not the whole catalog."""
    selected = await _selected(context.console, session, t)
    values = {"session": session} | await _panel(context.console, session, selected)
    return templates.TemplateResponse(request, "console/_panel.html", values)


@router.post("/links")
async def create_link(
    request: Request,
    session: ChangingSession,
    context: GatewayDep,
    form: Annotated[FilesWidget, Form()],
) -> Response:
    """Create Share Link from the Files widget, with a link per recipient when it names
    some, the alerts chosen and the leak guard's action; then the link with its URL to
    copy."""
    t = form.tracks
    try:
        people = recipients_of(form.recipients)
    except RecipientsProblem as unreadable:
        return await _panel_refused(request, context.console, session, t, str(unreadable))
    if problem := form.problem(people):
        return await _panel_refused(request, context.console, session, t, problem)
    body = form.link_request(people)
    try:
        link = await context.console.call(session.token, "POST", "links", "/v1/links", json=body)
    except Refused as refused:
        return await _panel_refused(request, context.console, session, t, refused.detail)
    return see_other(f"/console/links/{link['id']}?notice=link_created")


@router.post("/share")
async def share_with_collaborators(
    request: Request,
    session: ChangingSession,
    context: GatewayDep,
    t: SelectionForm,
    mode: Annotated[str, Form()] = "folder",
) -> Response:
    """Share with collaborators (one track) or Share All with Collaborators (several)."""
    api, one = context.console, len(t) == 1
    path = f"/v1/tracks/{t[0]}/collaborators/share" if one else "/v1/collaborators/share-bulk"
    body = {"mode": mode} | ({} if one else {"track_ids": t})
    try:
        job = await api.call(session.token, "POST", "links", path, json=body)
    except Refused as refused:
        return await _panel_refused(request, api, session, t, refused.detail)
    return see_other(f"/console/jobs/{job['job_id']}?{_selection_query(t)}")


@router.get("/jobs/{job_id}")
async def job_page(
    request: Request, job_id: JobId, session: ConsoleSession, context: GatewayDep, t: Selection = ()
) -> Response:
    """A share's progress bar, fed by the job until it is done."""
    job = await _job(context.console, session, job_id)
    values = {"job": job, "back": _selection_query(t)}
    return await render(request, context.console, session, "job.html", values)


@router.get("/jobs/{job_id}/progress")
async def job_progress(job_id: JobId, session: ConsoleSession, context: GatewayDep) -> Response:
    """The job's counts, for the progress bar's script."""
    job = await _job(context.console, session, job_id)
    return JSONResponse(job.model_dump(mode="json"))


@router.get("/tracks/{track_id}/collaborators/{collaborator_id}/remove")
async def confirm_removal(
    request: Request,
    track_id: Id,
    collaborator_id: Id,
    session: ConsoleSession,
    context: GatewayDep,
) -> Response:
    """Are you sure? Removing takes back the collaborator's Dropbox access to the track."""
    track = await _track(context.console, session, track_id)
    person = next((c for c in track.collaborators if c.collaborator_id == collaborator_id), None)
    name = person.name if person else collaborator_id
    values = {
        "question": f"Remove {name}'s access to “{track.title}”?",
        "detail": "Their Dropbox access to the track's files is taken back.",
        "action": request.url.path,
        "button": "Remove access",
        "cancel": f"/console?{_selection_query([track_id])}",
    }
    return await render(request, context.console, session, "confirm.html", values)


@router.post("/tracks/{track_id}/collaborators/{collaborator_id}/remove")
async def remove_access(
    track_id: Id, collaborator_id: Id, session: ChangingSession, context: GatewayDep
) -> Response:
    """Take the collaborator's access back; the dot turns gray when Dropbox is done."""
    path = f"/v1/tracks/{track_id}/collaborators/{collaborator_id}/access"
    await context.console.call(session.token, "DELETE", "links", path)
    return see_other(f"/console?{_selection_query([track_id])}&notice=removing")


def _selection_query(track_ids: Sequence[str]) -> str:
    return urlencode([("t", track_id) for track_id in track_ids])


async def _catalog(api: ConsoleApi, session: Session) -> list[Track]:
    items = await api.all_pages(session.token, "links", "/v1/catalog/tracks")
    return [Track.model_validate(item) for item in items]


async def _track(api: ConsoleApi, session: Session, track_id: str) -> Track:
    answer = await api.call(session.token, "GET", "links", f"/v1/catalog/tracks/{track_id}")
    return Track.model_validate(answer)


async def _job(api: ConsoleApi, session: Session, job_id: str) -> Job:
    return Job.model_validate(await api.call(session.token, "GET", "links", f"/v1/jobs/{job_id}"))


def _chosen(tracks: list[Track], ids: Sequence[str]) -> list[Track]:
    """The tracks of the catalog that `ids` name, in their order, once each."""
    by_id = {track.track_id: track for track in tracks}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


async def _selected(api: ConsoleApi, session: Session, ids: Sequence[str]) -> list[Track]:
    """The tracks `ids` name, read one by one; an id that is no track of the producer is
    left out, as in the grid."""

    async def one(track_id: str) -> Track | None:
        try:
            return await _track(api, session, track_id)
        except (NotFound, Refused):  # gone, or not shaped like a track id
            return None

    found = await asyncio.gather(*(one(i) for i in dict.fromkeys(ids)))
    return [track for track in found if track is not None]


async def _panel(api: ConsoleApi, session: Session, selected: list[Track]) -> dict[str, object]:
    """The activity panel's model: the selected tracks, their files by role, their dots."""
    statuses = await asyncio.gather(*(_share_status(api, session, t) for t in selected))
    return {
        "selected": selected,
        "roles": ROLES,
        "role_counts": role_counts(selected),
        "statuses": dict(zip([t.track_id for t in selected], statuses, strict=True)),
    }


async def _share_status(api: ConsoleApi, session: Session, track: Track) -> ShareStatus:
    path = f"/v1/tracks/{track.track_id}/share-status"
    return ShareStatus.model_validate(await api.call(session.token, "GET", "links", path))


async def _panel_refused(
    request: Request, api: ConsoleApi, session: Session, selected: list[str], why: str
) -> Response:
    """The grid again with the panel saying `why` the request was refused (422)."""
    tracks = await _catalog(api, session)
    values: dict[str, object] = {"buckets": songs_by_bucket(tracks), "error": why}
    values |= await _panel(api, session, _chosen(tracks, selected))
    return await render(request, api, session, "tracks.html", values, status_code=422)
