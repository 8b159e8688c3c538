// "Copier" buttons of the calendar page: copy the URL of the input named by
// data-copy and say so in the page's status region (data-copied message).
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById(button.dataset.copy);
    var status = document.getElementById("copy-status");
    var done = function () { status.textContent = status.dataset.copied; };
    input.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
