// The SPARQL query page: an example's "edit" button puts its query in the editor.
// (A file of its own: the Content-Security-Policy allows no inline script or handler.)
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-query]");
  if (button) {
    document.getElementById("query").value = button.dataset.query;
  }
});
