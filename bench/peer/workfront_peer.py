"""List every user of a Workfront instance with python-workfront (PyPI), the
peer the SDK's listing is compared with. Prints: users seconds.

Usage: workfront_peer.py BASE_URL API_KEY
"""
import sys
import time
import warnings

from workfront.session import Session

FIELDS = "ID,username,emailAddr,firstName,lastName,title,isActive,accessLevelID,homeGroupID,roleID,ssoUsername,lastUpdateDate"
LIMIT = 2000


def main():
    base, api_key = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")  # "No APIVersion for v18.0": raw requests are all we use
    session = Session(
        "sandbox",
        api_key=api_key,
        protocol="http",
        api_version="v18.0",
        url_template=base + "/attask/api/{api_version}",
    )
    start = time.perf_counter()
    users, first = 0, 0
    while True:
        page = session.get("/user/search", {"$$FIRST": first, "$$LIMIT": LIMIT, "fields": FIELDS})
        users += len(page)
        first += LIMIT
        if len(page) < LIMIT:
            break
    print(users, time.perf_counter() - start)


if __name__ == "__main__":
    main()
