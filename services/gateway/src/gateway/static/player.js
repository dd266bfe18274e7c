// The page's players: one plays at a time, a playlist plays through, and a preview URL
// that has outlived its 15 minutes is swapped for a fresh one (a page may stay open long).
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector("ol.tracks");
  var players = Array.prototype.slice.call(document.querySelectorAll("audio.player"));
  var playlist = list && list.dataset.kind === "playlist";

  function expired(player) {
    var expires = Number(new URL(player.src, location.href).searchParams.get("exp"));
    return !expires || expires * 1000 < Date.now() + 10000;
  }

  function revive(player) {
    if (player.dataset.reviving) { return; }
    player.dataset.reviving = "1";
    var at = player.currentTime;
    fetch(location.pathname.replace(/\/+$/, "") + "/previews", { cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (body) {
        players.forEach(function (other) {
          var fresh = body.previews[other.dataset.file];
          if (fresh && other !== player) { other.src = fresh; }
        });
        player.src = body.previews[player.dataset.file];
        player.currentTime = at;
        return player.play();
      })
      .catch(function () { /* the link is gone or revoked: the player stays stopped */ })
      .then(function () { delete player.dataset.reviving; });
  }

  // Listening, as DESIGN §16 counts it: a play when a listen starts, a listen at 30 s, a
  // completion at 95 %; each report once per listen (the gateway and analytics-service
  // count a listen's milestone once however often it comes).
  var reportTo = location.pathname.replace(/\/+$/, "") + "/listening";

  function newListenId() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;  // a version 4 UUID
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); });
    return [hex.slice(0, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10), hex.slice(10)]
      .map(function (part) { return part.join(""); }).join("-");
  }

  function report(player, event) {
    var duration = isFinite(player.duration) ? player.duration : null;
    var body = JSON.stringify({
      listen_id: player.dataset.listen, file_id: player.dataset.file,
      position_s: player.currentTime || 0, duration_s: duration, event: event
    });
    if (!(navigator.sendBeacon && navigator.sendBeacon(reportTo, body))) {
      fetch(reportTo, { method: "POST", body: body, keepalive: true }).catch(function () {});
    }
  }

  function listenTo(player) {
    player.addEventListener("play", function () {
      if (!player.dataset.listen) {
        player.dataset.listen = newListenId();
        player.dataset.reported = "";
        report(player, "play");
      }
    });
    player.addEventListener("timeupdate", function () {
      if (!player.dataset.listen) { return; }
      var done = player.dataset.reported;
      var at = player.currentTime;
      var listened = at >= 30 && done.indexOf("30s") < 0;
      var completed = isFinite(player.duration) && at >= 0.95 * player.duration &&
        done.indexOf("95pct") < 0;
      if (listened || completed) {
        player.dataset.reported = done + (listened ? " 30s" : "") + (completed ? " 95pct" : "");
        report(player, "progress");
      }
    });
    player.addEventListener("ended", function () {
      if (!player.dataset.listen) { return; }
      report(player, "ended");
      delete player.dataset.listen;  // playing again is another listen
    });
  }

  players.forEach(function (player, index) {
    player.addEventListener("play", function () {
      players.forEach(function (other) { if (other !== player) { other.pause(); } });
      if (expired(player)) { player.pause(); revive(player); }
    });
    player.addEventListener("error", function () { if (expired(player)) { revive(player); } });
    player.addEventListener("ended", function () {
      if (playlist && index + 1 < players.length) { players[index + 1].play(); }
    });
    listenTo(player);
  });
});
