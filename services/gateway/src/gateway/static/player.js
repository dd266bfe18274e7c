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

  players.forEach(function (player, index) {
    player.addEventListener("play", function () {
      players.forEach(function (other) { if (other !== player) { other.pause(); } });
      if (expired(player)) { player.pause(); revive(player); }
    });
    player.addEventListener("error", function () { if (expired(player)) { revive(player); } });
    player.addEventListener("ended", function () {
      if (playlist && index + 1 < players.length) { players[index + 1].play(); }
    });
  });
});
