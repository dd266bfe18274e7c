// Plays a playlist through: when one track ends, the next one starts.
document.addEventListener("DOMContentLoaded", function () {
  var players = Array.prototype.slice.call(document.querySelectorAll("audio.player"));
  players.forEach(function (player, index) {
    player.addEventListener("play", function () {
      players.forEach(function (other) { if (other !== player) { other.pause(); } });
    });
    player.addEventListener("ended", function () {
      if (index + 1 < players.length) { players[index + 1].play(); }
    });
  });
});
