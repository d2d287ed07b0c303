// tepui-fetcher: fetches an executor's CommandInfo.uris into its sandbox
// (see fetcher.hpp). A program of its own so that libcurl and libarchive
// never load into tepui.
#include "fetcher/fetcher.hpp"

int main(int argc, char** argv) { return tepui::fetcher::fetcherMain(argc, argv); }
