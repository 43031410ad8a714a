package org.gradcam4j.weights;

import java.net.URI;

/**
 * A download that did not complete for a reason outside this machine's files: no network, the server refused
 * or broke off, a stall. The message names the address and the cause; a partial download is kept, so running
 * the same command again resumes it.
 */
public class DownloadException extends RuntimeException {
    private final URI url;

    public DownloadException(URI url, String problem, Throwable cause) {
        super("cannot download " + url + ": " + problem, cause);
        this.url = url;
    }

    public URI url() { return url; }
}
